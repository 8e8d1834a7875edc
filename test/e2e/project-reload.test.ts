// Hot reload of a built Workers project named in nano.json: an edit to a .ts file rebuilds and
// swaps under load with no failed request; an edit inside node_modules (a file the build read)
// rebuilds too; a build error names file:line:column with a code frame, in the log and in
// `nano check`, while the running version keeps serving. Packages resolve with the workerd
// condition, and wrangler vars sit under the config's env.
import t from 'tap';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { serve, fetchRaw, tempTree, BIN, type Served } from '../helpers/serve.js';
import { writeAtomic, nextReload, until } from '../helpers/lifecycle.js';
import { startLoad } from '../helpers/load.js';
import { freshCache } from '../helpers/projects.js';

const dir = tempTree({
  'nano.json': JSON.stringify({ watch: { debounceMs: 60 }, apps: [{ name: 'dep', path: 'dep', default: true, env: { WHO: 'config' } }] }),
  'dep/wrangler.json': JSON.stringify({ name: 'ignored-in-nano-json', main: 'src/index.ts', vars: { WHO: 'vars', ONLY_VARS: 'v' } }),
  'dep/package.json': JSON.stringify({ name: 'dep', private: true, dependencies: { 'tiny-dep': '1.0.0' } }),
  'dep/src/index.ts': [
    "import { flavour } from 'tiny-dep';",
    "import { word } from './word';",
    'interface Env { WHO: string; ONLY_VARS: string }',
    'export default {',
    '  fetch(_request: Request, env: Env): Response {',
    '    return new Response(`${word} ${flavour} ${env.WHO} ${env.ONLY_VARS}`);',
    '  },',
    '};',
    '',
  ].join('\n'),
  'dep/src/word.ts': "export const word: string = 'one';\n",
  'dep/node_modules/tiny-dep/package.json': JSON.stringify({ name: 'tiny-dep', version: '1.0.0', type: 'module', exports: { '.': { workerd: './workerd.js', node: './node.js', default: './default.js' } } }),
  'dep/node_modules/tiny-dep/workerd.js': "export const flavour = 'workerd';\n",
  'dep/node_modules/tiny-dep/node.js': "export const flavour = 'node';\n",
  'dep/node_modules/tiny-dep/default.js': "export const flavour = 'default';\n",
});
const cache = freshCache();
let s: Served;
t.before(async () => {
  s = await serve(['--config', join(dir, 'nano.json')], cache);
});
t.teardown(() => s.stop().then(() => undefined));

const get = async (): Promise<string> => (await fetchRaw(s.port, '/')).text;

t.test('the workerd condition, and config env over wrangler vars', async (t) => {
  t.equal(await get(), 'one workerd config v');
});

t.test('an edit to a .ts file rebuilds and swaps under load with no failed request', async (t) => {
  const load = startLoad({ port: s.port, host: 'dep.test', path: '/', concurrency: 4, durationMs: 30_000, timeoutMs: 10_000 });
  await until('some load', () => load.sentSoFar() > 20);
  const since = s.logs.length;
  writeAtomic(join(dir, 'dep/src/word.ts'), "export const word: string = 'two';\n");
  const line = await nextReload(s, since);
  t.equal(line.event, 'reloaded');
  await until('the new version under load', () => load.sentSoFar() > 0 && get().then((b) => b.startsWith('two')));
  const r = await load.stop();
  t.equal(r.failed, 0, 'no request failed', { failures: r.failures });
  t.ok(r.bodies['one workerd config v'] !== undefined, 'the old version served during the load');
  t.ok(s.logs.slice(since).some((l) => l.event === 'app_built'), 'the project was rebuilt');
});

t.test('an edit inside node_modules rebuilds through the same build graph', async (t) => {
  const since = s.logs.length;
  writeFileSync(join(dir, 'dep/node_modules/tiny-dep/workerd.js'), "export const flavour = 'workerd-2';\n");
  const line = await nextReload(s, since);
  t.equal(line.event, 'reloaded');
  t.equal(await get(), 'two workerd-2 config v');
});

t.test('a build error names file:line:column with a code frame; the running version keeps serving', async (t) => {
  const since = s.logs.length;
  writeAtomic(join(dir, 'dep/src/word.ts'), "export const word: string = ;\n");
  const line = await nextReload(s, since);
  t.equal(line.event, 'reload_failed');
  t.equal(line.code, 'NANO_ERR_APP_BUILD');
  const problem = (line.problems as string[]).join('\n');
  t.match(problem, /src\/word\.ts:1:29: Unexpected ";"/, 'file:line:column and the message');
  t.match(problem, /1 │ export const word: string = ;/, 'a code frame with the line');
  t.equal(await get(), 'two workerd-2 config v', 'the running version keeps serving');

  const check = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--no-node-snapshot', BIN, 'check', '--config', join(dir, 'nano.json')], { env: { ...process.env, ...cache } }, (err, _out, stderr) => resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? -1, stderr }));
  });
  t.equal(check.code, 1, 'nano check exits 1');
  t.match(check.stderr, /NANO_ERR_APP_BUILD/);
  t.match(check.stderr, /src\/word\.ts:1:29: Unexpected ";"/);
  t.match(check.stderr, /1 │ export const word: string = ;/);

  const fixed = s.logs.length;
  writeAtomic(join(dir, 'dep/src/word.ts'), "export const word: string = 'three';\n");
  t.equal((await nextReload(s, fixed)).event, 'reloaded');
  t.equal(await get(), 'three workerd-2 config v');
});
