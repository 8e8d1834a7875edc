// The source tree keeps the shape src/README.md describes: no folder imports one its table does
// not allow (nor one above it), isolated-vm is imported by isolates/ only, guest code imports no
// Node module, every path the README names exists, and the newcomer's map stays short.
import t from 'tap';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname, relative, resolve, sep, basename } from 'node:path';
import { ROOT } from '../helpers/serve.js';

const SRC = join(ROOT, 'src');
const README = readFileSync(join(SRC, 'README.md'), 'utf8');

/** Every .ts file under src/, relative to src/. */
function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [relative(SRC, join(dir, e.name))] : []));
}

/** The specifiers a module imports or re-exports (static, side-effect and dynamic imports). */
function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const re of [/\b(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const m of code.matchAll(re)) out.push(m[1] as string);
  }
  return out;
}

/** The folder table of src/README.md, in its order (top layer first): folder → folders it may import. */
function layerTable(): { order: string[]; allowed: Map<string, Set<string>> } {
  const rows = [...README.matchAll(/^\| `([a-z-]+)\/` \|[^|]*\|([^|]*)\|\s*$/gm)].map((m) => ({ folder: m[1] as string, may: m[2] as string }));
  const order = rows.map((r) => r.folder);
  const allowed = new Map<string, Set<string>>();
  rows.forEach(({ folder, may }, i) => {
    if (/everything below/.test(may)) allowed.set(folder, new Set(order.slice(i + 1)));
    else allowed.set(folder, new Set(may.replace(/\([^)]*\)/g, '').split(/[,;]/).map((w) => w.trim().split(/\s+/)[0] ?? '').filter((w) => order.includes(w))));
  });
  return { order, allowed };
}

const { order, allowed } = layerTable();

t.test('the README table lists every folder of src/, and each may import only folders below it', async (t) => {
  const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  t.same([...folders].sort(), [...order].sort(), 'one row per folder');
  for (const [folder, may] of allowed) {
    for (const target of may) t.ok(order.indexOf(target) > order.indexOf(folder), `${folder}/ may import ${target}/, which is below it`);
  }
});

t.test('no module imports a folder its row does not allow', async (t) => {
  const files = sources();
  t.ok(files.length > 100, `${files.length} source files read`);
  const bad: string[] = [];
  for (const file of files) {
    const from = file.split(sep)[0] as string;
    for (const spec of importsOf(readFileSync(join(SRC, file), 'utf8'))) {
      if (!spec.startsWith('.')) {
        if (spec === 'isolated-vm' && from !== 'isolates') bad.push(`${file}: imports isolated-vm (only isolates/ may)`);
        if (from === 'runtime-guest' && (spec.startsWith('node:') || spec === 'isolated-vm')) bad.push(`${file}: guest code imports ${spec}`);
        continue;
      }
      const target = relative(SRC, resolve(dirname(join(SRC, file)), spec));
      if (target.startsWith('..')) {
        bad.push(`${file}: imports ${spec}, outside src/`);
        continue;
      }
      const to = target.split(sep)[0] as string;
      if (to === from) continue;
      if (!allowed.get(from)?.has(to)) bad.push(`${file}: imports ${spec} (${from}/ → ${to}/, not in its row of src/README.md)`);
    }
  }
  t.same(bad, [], 'every import goes down the table, to a folder its row names');
});

t.test('every path src/README.md names exists (under src/, or test/ from the root)', async (t) => {
  const all = sources();
  const named = new Set([...README.matchAll(/`([A-Za-z0-9_./-]+\.(?:ts|md)|[a-z-]+\/)`/g)].map((m) => m[1] as string));
  t.ok(named.size > 20, `${named.size} paths named`);
  for (const p of named) {
    const found = p.startsWith('test/') ? existsSync(join(ROOT, p)) : p.includes('/') ? existsSync(join(SRC, p)) : all.some((f) => basename(f) === p);
    t.ok(found, `${p} exists`);
  }
});

t.test('the newcomer\'s map is at most 10 lines', async (t) => {
  const at = README.indexOf('\n## A request');
  t.not(at, -1, 'src/README.md has the map');
  const section = README.slice(at + 1, README.indexOf('\n## ', at + 1));
  const lines = section.split('\n').slice(1).filter((l) => l.trim() !== '');
  t.ok(lines.length <= 10, `${lines.length} lines`);
});
