// The project loader in-process: wrangler files (TOML, JSON, JSONC) and their errors with file,
// field and fix; which directories are built and which load as plain modules; entry discovery;
// source-map lookups against esbuild's own maps; the on-disk cache and what invalidates it.
import t from 'tap';
import { join } from 'node:path';
import { writeFileSync, readdirSync } from 'node:fs';
import { transform } from 'esbuild';
import { tempTree } from '../helpers/serve.js';
import { readWrangler } from '../../src/project/wrangler.js';
import { loadApp, fieldWarning } from '../../src/project/load.js';
import { SourceMap, mapStack } from '../../src/project/source-map.js';
import { BUNDLE_NAME } from '../../src/project/build.js';
import { ConfigError } from '../../src/config/load.js';
import { readDevVars, DEV_VARS_MAX_BYTES } from '../../src/env/dev-vars.js';

process.env.NANO_CACHE_DIR = tempTree({});

t.test('wrangler.toml, wrangler.json and wrangler.jsonc give name, main and vars', async (t) => {
  const toml = tempTree({ 'wrangler.toml': 'name = "a"\nmain = "src/x.ts"\nkv_namespaces = []\n[vars]\nA = "1"\nB = 2\n' });
  t.same(await readWrangler(toml), { file: join(toml, 'wrangler.toml'), name: 'a', main: 'src/x.ts', vars: { A: '1', B: 2 }, services: [], fields: ['name', 'main', 'kv_namespaces', 'vars'], notInherited: [] });
  const json = tempTree({ 'wrangler.json': '{"name":"b","vars":{"X":{"y":[1]}}}' });
  t.same((await readWrangler(json))?.vars, { X: { y: [1] } });
  const jsonc = tempTree({ 'wrangler.jsonc': '// comment\n{ "main": "w.ts", /* inline */ "vars": { "K": "v", }, }' });
  t.same((await readWrangler(jsonc))?.main, 'w.ts', 'comments and trailing commas');
  t.equal(await readWrangler(tempTree({ 'index.js': '' })), null, 'no wrangler file');
  const both = tempTree({ 'wrangler.toml': 'name = "from-toml"\n', 'wrangler.json': '{"name":"from-json"}' });
  t.equal((await readWrangler(both))?.name, 'from-toml', 'wrangler.toml first, as wrangler reads them');
});

t.test('a broken wrangler file names the file, the place and the fix', async (t) => {
  const badToml = tempTree({ 'wrangler.toml': 'name = "a"\nmain = \n' });
  const e1 = await readWrangler(badToml).catch((e: unknown) => e);
  t.ok(e1 instanceof ConfigError);
  t.match((e1 as ConfigError).message, /wrangler\.toml: \(root\): not valid TOML at line 2, column \d+/);
  const badJson = tempTree({ 'wrangler.jsonc': '{\n  "name": "a"\n  "main": "b"\n}' });
  t.match(((await readWrangler(badJson).catch((e: unknown) => e)) as Error).message, /wrangler\.jsonc: \(root\): not valid JSON at line 3, column 3: CommaExpected/);
  const badFields = tempTree({ 'wrangler.json': '{"name": 3, "vars": {"1X": "a"}}' });
  const e3 = (await readWrangler(badFields).catch((e: unknown) => e)) as ConfigError;
  t.same(e3.problems.map((p) => p.path), ['name', 'vars.1X'], 'every problem in one pass');
  t.equal(e3.code, 'NANO_ERR_CONFIG_INVALID');
});

t.test('the unhonoured-field warning groups fields and stays quiet when all are honoured', async (t) => {
  t.equal(fieldWarning({ file: '/p/wrangler.toml', vars: {}, services: [], fields: ['name', 'main', 'vars'], notInherited: [] }), null);
  t.equal(
    fieldWarning({ file: '/p/wrangler.toml', vars: {}, services: [], fields: ['name', 'd1_databases', 'compatibility_date', 'mystery'], notInherited: [] }),
    'wrangler.toml: NANO ignores fields it cannot honour (not supported: d1_databases; no effect here: compatibility_date; unknown: mystery); see the "Coming from Cloudflare Workers" guide',
  );
});

t.test('which directories are built, and their entries', async (t) => {
  const plain = tempTree({ 'index.js': 'export default { fetch() { return new Response("p"); } };', 'package.json': '{"main":"index.js"}' });
  const p = await loadApp(plain);
  t.equal(p.build, null, 'a plain directory (package.json without dependencies) loads as it always has');
  t.equal(p.code.entry, 'index.js');

  const ts = tempTree({ 'src/index.ts': 'const n: number = 1; export default { fetch() { return new Response(String(n)); } };' });
  const b = await loadApp(ts);
  t.not(b.build, null, 'a TypeScript default entry is built');
  t.equal(b.code.entry, BUNDLE_NAME);
  t.equal(b.code.files.size, 1, 'the loader receives one bundle in memory');
  t.ok(b.code.moduleSyntax);

  const pkgMain = tempTree({ 'package.json': '{"module":"lib/app.ts"}', 'lib/app.ts': 'export default { fetch: () => new Response("m") };' });
  t.not((await loadApp(pkgMain)).build, null, 'package.json module pointing at TypeScript');

  const sw = tempTree({ 'wrangler.toml': 'main = "sw.ts"\n', 'sw.ts': 'addEventListener("fetch", (e: any) => e.respondWith(new Response("sw")));' });
  t.equal((await loadApp(sw)).code.moduleSyntax, false, 'a service-worker script stays service-worker syntax');

  const missing = tempTree({ 'wrangler.toml': 'main = "src/nope.ts"\n' });
  t.match(((await loadApp(missing).catch((e: unknown) => e)) as Error).message, /the entry "src\/nope\.ts" \("main" in wrangler\.toml\) does not exist/);
  const outside = tempTree({ 'wrangler.toml': 'main = "../x.ts"\n' });
  t.match(((await loadApp(outside).catch((e: unknown) => e)) as Error).message, /points outside the project directory/);
  const nodeImport = tempTree({ 'src/index.ts': 'import { Buffer } from "node:buffer"; export default { fetch: () => new Response(Buffer.from("x")) };' });
  const err = (await loadApp(nodeImport).catch((e: unknown) => e)) as Error & { code: string };
  t.equal(err.code, 'NANO_ERR_APP_BUILD');
  t.match(err.message, /src\/index\.ts:1:\d+: "node:buffer" is not available in NANO \(nodejs_compat is not supported\)/);
});

t.test('the cache: a second load does not build; an edit, a new file or a package change does', async (t) => {
  const dir = tempTree({
    'src/index.ts': 'import { v } from "dep"; import { w } from "./w"; export default { fetch: () => new Response(v + w) };',
    'src/w.ts': 'export const w = "1";',
    'package.json': '{"dependencies":{"dep":"1"}}',
    'node_modules/dep/package.json': '{"name":"dep","module":"m.js"}',
    'node_modules/dep/m.js': 'export const v = "a";',
  });
  const first = await loadApp(dir);
  t.equal(first.build?.fromCache, false);
  t.same(first.watch.map((p) => p.slice(dir.length + 1)).sort(), ['node_modules/dep/m.js', 'node_modules/dep/package.json'], 'node_modules inputs are watched');
  const second = await loadApp(dir);
  t.equal(second.build?.fromCache, true, 'same inputs: from the cache');
  t.equal(second.code.version, first.code.version);

  writeFileSync(join(dir, 'src/w.ts'), 'export const w = "2";');
  const edited = await loadApp(dir);
  t.equal(edited.build?.fromCache, false, 'an edited source rebuilds');
  t.not(edited.code.version, first.code.version);

  writeFileSync(join(dir, 'node_modules/dep/m.js'), 'export const v = "b";');
  t.equal((await loadApp(dir)).build?.fromCache, false, 'an edited package file rebuilds');
  writeFileSync(join(dir, 'node_modules/dep/package.json'), '{"name":"dep","module":"m.js","version":"2"}');
  t.equal((await loadApp(dir)).build?.fromCache, false, 'an edited package.json rebuilds');
  writeFileSync(join(dir, 'src/w.js'), 'export const w = "js";');
  t.equal((await loadApp(dir)).build?.fromCache, false, 'a new file in the project rebuilds (it may change resolution)');
  t.equal((await loadApp(dir)).build?.fromCache, true);
  t.equal(readdirSync(join(process.env.NANO_CACHE_DIR as string, 'builds')).filter((f) => f.endsWith('.tmp')).length, 0, 'no temp files left');
});

t.test('source maps: bundle positions map to the TypeScript lines esbuild recorded', async (t) => {
  const source = 'type T = { a: number };\n\nfunction f(x: T): number {\n  throw new Error(String(x.a));\n}\nexport { f };\n';
  const out = await transform(source, { loader: 'ts', sourcemap: 'external', sourcefile: 'src/f.ts', format: 'esm' });
  const map = new SourceMap(out.map);
  const lines = out.code.split('\n');
  const row = lines.findIndex((l) => l.includes('throw new Error'));
  const col = (lines[row] ?? '').indexOf('throw');
  t.same(map.lookup(row + 1, col + 1), { source: 'src/f.ts', line: 4, column: 3 });
  t.equal(map.lookup(999, 1), null, 'a line past the end maps to nothing');
  const stack = `Error: 1\n    at f (file:///${BUNDLE_NAME}:${row + 1}:${col + 1})\n    at other (file:///elsewhere.js:1:1)`;
  t.equal(mapStack(stack, `file:///${BUNDLE_NAME}`, map), 'Error: 1\n    at f (src/f.ts:4:3)\n    at other (file:///elsewhere.js:1:1)');
  t.throws(() => new SourceMap('{"sources":["a"],"mappings":"!!"}').lookup(1, 1), /invalid source map/);
});

t.test('a comment-only edit gives a new version whose stacks map to the moved lines', async (t) => {
  const body = 'export default { fetch(): Response { throw new Error("x"); } };\n';
  const dir = tempTree({ 'src/index.ts': body });
  const before = await loadApp(dir);
  writeFileSync(join(dir, 'src/index.ts'), `// a comment that moves the handler down a line\n${body}`);
  const after = await loadApp(dir);
  t.not(after.code.version, before.code.version, 'a new version, although esbuild drops the comment');
  const lines = (after.code.files.get(BUNDLE_NAME) ?? '').split('\n');
  const row = lines.findIndex((l) => l.includes('throw new Error'));
  const col = (lines[row] ?? '').indexOf('throw');
  t.match(after.code.mapStack?.(`at fetch (file:///${BUNDLE_NAME}:${row + 1}:${col + 1})`), /at fetch \(src\/index\.ts:2:\d+\)/);
});

t.test('a missing package: one 1-based location, a code frame and how to fix it', async (t) => {
  const dir = tempTree({ 'src/index.ts': 'import x from "nope-pkg";\nexport default { fetch: () => new Response(x) };\n' });
  const err = (await loadApp(dir).catch((e: unknown) => e)) as Error & { code: string };
  t.equal(err.code, 'NANO_ERR_APP_BUILD');
  t.match(err.message, /src\/index\.ts:1:15: Could not resolve "nope-pkg"\n {6}1 │ import x from "nope-pkg";\n/);
  t.match(err.message, /Install the package into the project's node_modules \(npm install\)/);
  t.notMatch(err.message, /src\/index\.ts:1:14/, 'esbuild\'s 0-based column is not shown as well');
  t.notMatch(err.message, /external/, 'no advice NANO cannot follow');
});

t.test('a wrangler environment: inherited main, derived name, own vars and services', async (t) => {
  const dir = tempTree({
    'wrangler.jsonc': '{ "name": "w", "main": "src/a.ts", "vars": { "A": "top" }, "services": [{ "binding": "S", "service": "s" }],\n  "env": { "dev": { "vars": { "A": "dev" } }, "x": { "name": "own", "main": "b.ts", "kv_namespaces": [] }, "bad": { "vars": { "1A": "" } } } }',
  });
  const dev = await readWrangler(dir, 'dev');
  t.same({ name: dev?.name, main: dev?.main, vars: dev?.vars, services: dev?.services, notInherited: dev?.notInherited, env: dev?.env }, { name: 'w-dev', main: 'src/a.ts', vars: { A: 'dev' }, services: [], notInherited: ['services'], env: 'dev' });
  const x = await readWrangler(dir, 'x');
  t.same({ name: x?.name, main: x?.main, vars: x?.vars }, { name: 'own', main: 'b.ts', vars: {} });
  t.match(fieldWarning(x as NonNullable<typeof x>), /^wrangler\.jsonc \[env\.x\]: vars and services are set at the top level but not in the environment.*; wrangler\.jsonc \[env\.x\]: NANO ignores fields it cannot honour \(not supported: kv_namespaces;/);
  t.same(((await readWrangler(dir, 'bad').catch((e: unknown) => e)) as ConfigError).problems.map((p) => p.path), ['env.bad.vars.1A'], 'an environment\'s problems name its path');
  t.match(((await readWrangler(dir, 'constructor').catch((e: unknown) => e)) as Error).message, /no environment "constructor" in this file \(it defines "dev", "x", "bad"\)/, 'only the file\'s own environments');
  t.match(((await loadApp(tempTree({ 'index.js': 'export default {}' }), { wranglerEnv: 'dev' }).catch((e: unknown) => e)) as Error).message, /has no wrangler\.toml\/json\/jsonc, so no environment "dev"/);
});

t.test('.dev.vars: dotenv syntax, the environment\'s file first, checked names, size cap', async (t) => {
  const dir = tempTree({ '.dev.vars': '# comment\nA=1\nexport B="two words"\nC=\'x=y\'\n', '.dev.vars.dev': 'A=dev\n', 'index.js': 'export default { fetch: () => new Response("") };' });
  t.same((await readDevVars(dir))?.vars, { A: '1', B: 'two words', C: 'x=y' });
  t.same((await readDevVars(dir, 'dev'))?.vars, { A: 'dev' }, '.dev.vars.<env> replaces .dev.vars');
  t.same((await readDevVars(dir, 'other'))?.vars.A, '1', 'without .dev.vars.<env>, .dev.vars');
  t.equal(await readDevVars(tempTree({})), null);
  const bad = tempTree({ '.dev.vars': 'GOOD=1\n9BAD=secret-value\n' });
  const err = (await readDevVars(bad).catch((e: unknown) => e)) as Error;
  t.match(err.message, /invalid binding name "9BAD"/);
  t.notMatch(err.message, /secret-value/, 'the value is never in the message');
  const big = tempTree({ '.dev.vars': `A=${'x'.repeat(DEV_VARS_MAX_BYTES)}\n` });
  t.match(((await readDevVars(big).catch((e: unknown) => e)) as Error).message, /larger than/);
  const plain = await loadApp(dir, { devVars: true });
  t.same(plain.vars, { A: '1', B: 'two words', C: 'x=y' }, 'a plain app directory reads it too when asked');
  t.match(String((await loadApp(dir)).warning), /^\.dev\.vars is not read/);
});
