// The generated reference pages and JSON Schema match their sources: the error page lists
// exactly the registry's codes (both ways, with kind and status), and every generated file is
// what `npm run docs:gen` would write now.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ERRORS, type ErrorCode } from '../../src/errors/registry.js';
import { configSchema, APP_LIMIT_DEFAULTS } from '../../src/config/schema.js';
import { ROOT } from '../helpers/serve.js';

interface Generator {
  OUTPUTS: { schema: string; config: string; errors: string };
  TROUBLESHOOTING: string;
  generate(opts?: { fromBenchResults?: boolean }): Promise<Record<string, string>>;
}
const gen = (await import(pathToFileURL(join(ROOT, 'scripts/gen-docs.mjs')).href)) as Generator;
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

t.test('the errors page and the registry match both ways', async (t) => {
  const page = read(gen.OUTPUTS.errors);
  t.match(page, /^---\ntitle: Error codes\n/, 'the page keeps its title');
  const rows = new Map<string, { status: string; section: string }>();
  let section = '';
  for (const line of page.split('\n')) {
    if (line.startsWith('## ')) section = line;
    const m = /^\| `(NANO_ERR_[A-Z_]+)` \| ([^|]+) \|/.exec(line);
    if (m !== null) rows.set(m[1] ?? '', { status: (m[2] ?? '').trim(), section });
  }
  for (const [code, spec] of Object.entries(ERRORS)) {
    const row = rows.get(code);
    t.ok(row, `${code} is on the page`);
    t.equal(row?.status, spec.status === 0 ? '—' : String(spec.status), `${code}: status`);
    t.equal(row?.section, spec.kind === 'user' ? '## Your config or app is wrong' : '## NANO failed', `${code}: kind`);
  }
  for (const code of rows.keys()) t.ok(code in ERRORS, `${code} on the page is in the registry`);
  t.equal(rows.size, Object.keys(ERRORS).length);
});

t.test('the troubleshooting page gives every code a symptom, a cause and a fix', async (t) => {
  const page = read(gen.TROUBLESHOOTING);
  t.match(page, /^---\ntitle: Troubleshooting\n/, 'the page keeps its title');
  for (const [code, spec] of Object.entries(ERRORS)) {
    const at = page.indexOf(`\n### ${code}\n`);
    t.not(at, -1, `${code} has a section`);
    const section = page.slice(at, page.indexOf('\n### ', at + 1) === -1 ? undefined : page.indexOf('\n### ', at + 1));
    t.ok(spec.symptom.length > 20 && spec.fix.length > 20, `${code}: the registry has a symptom and a fix`);
    t.ok(section.includes(`**Symptom:** ${spec.symptom}`) && section.includes(`**Cause:** ${spec.description}`) && section.includes(`**Fix:** ${spec.fix}`), `${code}: symptom, cause and fix on the page`);
  }
  for (const problem of ['opens a text editor', 'Node.js 24', 'already in use']) t.ok(page.includes(problem), `a section on: ${problem}`);
});

t.test('every API reference page has its parts, with limits read from the modules', async (t) => {
  const { API_DIR, readTemplates } = (await import(pathToFileURL(join(ROOT, 'scripts/docs/api.mjs')).href)) as { API_DIR: string; readTemplates(root: string): { slug: string }[] };
  const { subrequests, subrequestTimeoutMs } = APP_LIMIT_DEFAULTS;
  const pages = readTemplates(ROOT);
  for (const { slug } of pages) {
    const page = read(`${API_DIR}/${slug}.md`);
    for (const part of ['## Example', '## Limits', '## Differences', '## Web Platform Tests', '## Interfaces and members']) t.ok(page.includes(`\n${part}\n`), `${slug}: ${part}`);
    t.match(page, /From Cloudflare Workers/, `${slug}: differences from Workers`);
    t.notMatch(page, /\{\{\w+\}\}/, `${slug}: no placeholder left`);
  }
  const fetchPage = read(`${API_DIR}/fetch.md`);
  t.match(fetchPage, new RegExp(`\\| ${subrequests} \\| \`limits\\.subrequests\``), 'the subrequest limit from the schema');
  t.match(fetchPage, new RegExp(`\\| ${subrequestTimeoutMs / 1000} s \\| \`limits\\.subrequestTimeoutMs\``), 'the subrequest timeout from the schema');
  t.match(read(`${API_DIR}/crypto.md`), /Ed448[\s\S]*X448/, 'the crypto page names Ed448 and X448');
  t.match(read(`${API_DIR}/compression.md`), /`brotli`/, 'the compression page names brotli');
  const index = read(`${API_DIR}/index.md`);
  for (const { slug } of pages) t.match(index, `(/reference/api/${slug}/)`, `the overview links ${slug}`);
});

t.test('every code a source file uses is in the registry', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const used = new Set(execFileSync('grep', ['-rhoE', 'NANO_ERR_[A-Z_]+', join(ROOT, 'src')], { encoding: 'utf8' }).split('\n').filter((c) => c !== '' && c !== 'NANO_ERR_' && !c.endsWith('_')));
  for (const c of used) t.ok(c in ERRORS, `${c} is registered`);
  t.ok(used.has('NANO_ERR_SECRET_UNAVAILABLE' satisfies ErrorCode));
});

t.test('generated files are up to date (run npm run docs:gen)', async (t) => {
  // The committed bench figures only: a local bench-results/latest.json is news for docs:gen, not a stale page.
  const files = await gen.generate({ fromBenchResults: false });
  for (const [rel, content] of Object.entries(files)) t.equal(read(rel), content, rel);
  t.match(read(gen.OUTPUTS.config), /^---\ntitle: Config fields\n/, 'the config page keeps its title');
});

t.test('the config page documents every field of the schema', async (t) => {
  const page = read(gen.OUTPUTS.config);
  for (const name of Object.keys(configSchema.shape)) t.match(page, new RegExp(`\\| \`${name.replace('$', '\\$')}\` \\|`), `${name} has a row`);
  for (const name of ['drainTimeoutMs', 'tokenFromEnv', 'debounceMs', 'idleEvictMs', 'secrets', 'memoryMb']) t.match(page, new RegExp(`\\| \`${name}\` \\|`), `${name} has a row`);
  const schema = JSON.parse(read(gen.OUTPUTS.schema)) as { properties: Record<string, unknown>; additionalProperties: boolean };
  t.equal(schema.additionalProperties, false, 'the JSON Schema is strict like the config');
  t.ok('apps' in schema.properties);
});
