// Every limit of an app's `limits` leads, by its config field name, to its default in the schema
// and to the one place that enforces it: a `@limit <field>` tag at that place, in a file that uses
// the field. A limit added to the schema without an enforcement site (or with two) fails here.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { limitsSchema, ALL_LIMIT_DEFAULTS, LIMIT_DEFAULTS, APP_LIMIT_DEFAULTS } from '../../src/config/schema.js';
import { ROOT } from '../helpers/serve.js';

const SRC = join(ROOT, 'src');
const LIMITS = Object.keys(limitsSchema.shape).sort();

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

t.test('every limit has its default in exactly one table of the schema', async (t) => {
  t.ok(LIMITS.length >= 10, `${LIMITS.length} limits`);
  t.same(Object.keys(ALL_LIMIT_DEFAULTS).sort(), LIMITS, 'ALL_LIMIT_DEFAULTS has every limit');
  for (const name of LIMITS) t.equal(Number(name in LIMIT_DEFAULTS) + Number(name in APP_LIMIT_DEFAULTS), 1, `${name}: one default`);
});

t.test('every limit has exactly one enforcement site, tagged with its name', async (t) => {
  const sites = new Map<string, string[]>();
  for (const file of sources()) {
    const rel = relative(SRC, file);
    if (rel.startsWith('config')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/@limit\s+(\w+(?:\s*,\s*\w+)*)/g)) {
      for (const name of (m[1] as string).split(',').map((n) => n.trim())) {
        t.ok(LIMITS.includes(name), `${rel}: @limit ${name} names a limit of the schema`);
        t.ok(new RegExp(`\\b${name}\\b`).test(text.replace(m[0], '')), `${rel} uses ${name} beyond its tag`);
        sites.set(name, [...(sites.get(name) ?? []), rel]);
      }
    }
  }
  for (const name of LIMITS) t.equal(sites.get(name)?.length ?? 0, 1, `${name}: enforced at ${(sites.get(name) ?? ['nowhere']).join(', ')}`);
});
