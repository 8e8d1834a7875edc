// Hot reload of a real `nano serve` child by real file edits: every kind of failure keeps the
// running version serving with one clear error line that the admin API shows too; a burst of
// writes gives one reload; new app directories are watched; SIGHUP reloads when not watching.
import t from 'tap';
import { join } from 'node:path';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { serve, fetchRaw, type Served } from '../helpers/serve.js';
import { workspace, writeConfig, writeAtomic, adminClient, ADMIN_TOKEN, nextReload, until, LIFECYCLE_FIXTURES, type AdminClient } from '../helpers/lifecycle.js';

const base = (apps: unknown[] = [{ name: 'gate', path: 'gate', hostnames: ['gate.test'] }, { name: 'plain', path: 'plain', hostnames: ['plain.test'], env: { NAME: 'p' } }]) => ({
  watch: { debounceMs: 60 },
  admin: { port: 0, token: ADMIN_TOKEN },
  apps,
});

let dir: string;
let s: Served;
let admin: AdminClient;

t.before(async () => {
  dir = workspace({ gate: 'gate', plain: 'plain' });
  writeConfig(dir, base());
  s = await serve(['--config', join(dir, 'nano.json')]);
  admin = adminClient(s);
});
t.teardown(() => s.stop().then(() => undefined));

const gate = async (): Promise<string> => (await fetchRaw(s.port, '/', { host: 'gate.test' })).text;
const plain = async (): Promise<string> => (await fetchRaw(s.port, '/', { host: 'plain.test' })).text;
const errorLines = (since: number): Record<string, unknown>[] => s.logs.slice(since).filter((l) => Number(l.level) >= 50);

/** Applies `edit`, waits for the reload it causes, and checks it failed with `code` and one error line. */
async function failedReload(t: Tap, edit: () => void, code: string, problem: RegExp): Promise<Record<string, unknown>> {
  const since = s.logs.length;
  edit();
  const line = await nextReload(s, since);
  t.equal(line.event, 'reload_failed', 'the reload fails');
  t.equal(line.code, code);
  t.match((line.problems as string[]).join('\n'), problem, 'the problem is named');
  t.match(String(line.msg), /the running version keeps serving/);
  // Let any stray follow-up lines arrive before counting.
  await new Promise((r) => setTimeout(r, 150));
  const errors = errorLines(since);
  t.equal(errors.length, 1, 'exactly one error line is logged', { lines: errors.map((l) => `${String(l.event)}: ${String(l.msg)}`) });
  t.equal(await gate(), 'gate ok ', 'the running version keeps serving');
  t.equal(await plain(), 'plain p');
  const apps = (await admin.call('GET', '/admin/apps')).json;
  t.equal(apps.reload.lastFailure.code, code, 'GET /admin/apps shows the failure');
  t.same(apps.reload.lastFailure.problems, line.problems);
  return line;
}

/** Puts the good config and code back and waits until a reload has applied them. */
async function restore(): Promise<void> {
  const since = s.logs.length;
  writeAtomic(GATE_PATH(), GATE_SOURCE);
  writeConfig(dir, base());
  await until('the good state to be applied', () => s.logs.slice(since).some((l) => l.event === 'reloaded'));
  await until('the good version to serve', async () => (await gate()) === 'gate ok ');
  // Under load the watcher may split one edit's events into two reloads; let every reload the
  // edits caused finish, so none of them lands in the next test's count.
  let seen = -1;
  const reloads = (): number => s.logs.filter((l) => l.event === 'reloaded' || l.event === 'reload_failed').length;
  for (let i = 0; i < 20 && seen !== reloads(); i++) {
    seen = reloads();
    await new Promise((r) => setTimeout(r, 300));
  }
}
// The subset of a tap Test these helpers use.
type Tap = Record<'equal' | 'match' | 'same' | 'ok', (...args: any[]) => unknown>;

const GATE_PATH = (): string => join(dir, 'gate/index.js');
const GATE_SOURCE = readFileSync(join(LIFECYCLE_FIXTURES, 'gate/index.js'), 'utf8');
const CONFIG = (): string => join(dir, 'nano.json');

t.test('config that is not JSON: rejected, old config keeps serving', async (t) => {
  await failedReload(t, () => writeAtomic(CONFIG(), '{ "apps": [ oops'), 'NANO_ERR_CONFIG_READ', /nano\.json: \(root\): not valid JSON/);
  await restore();
});

t.test('config that fails the schema: rejected with file, path and fix', async (t) => {
  await failedReload(t, () => writeConfig(dir, { ...base(), apps: [{ name: 'gate', path: 'gate', hostnames: ['gate.test'], colour: 'red' }] }), 'NANO_ERR_CONFIG_INVALID', /nano\.json: apps\[0\]: unknown field "colour"; remove it/);
  await restore();
});

t.test('syntax error in app code: rejected at reload time, never replaces the working version', async (t) => {
  const good = (await admin.call('GET', '/admin/apps/gate')).json.version;
  await failedReload(t, () => writeAtomic(GATE_PATH(), 'export default { fetch() { return new Response("x" } };'), 'NANO_ERR_APP_LOAD', /app "gate": version \w+ of .*gate failed to load: .*SyntaxError|missing \)/);
  const detail = (await admin.call('GET', '/admin/apps/gate')).json;
  t.equal(detail.version, good, 'the admin API shows the running version');
  t.match(detail.lastError, /failed to load/, 'and the last error');
  t.match(detail.errors.reload.message, /failed to load/);
  await restore();
});

t.test('top-level throw in app code: rejected the same way', async (t) => {
  await failedReload(t, () => writeAtomic(GATE_PATH(), 'throw new Error("boom at top level");\nexport default { fetch() { return new Response("never") } };'), 'NANO_ERR_APP_LOAD', /boom at top level/);
  await restore();
});

t.test('missing secret on reload: rejected, naming the variable', async (t) => {
  const line = await failedReload(
    t,
    () => writeConfig(dir, base([{ name: 'gate', path: 'gate', hostnames: ['gate.test'], secrets: { KEY: { fromEnv: 'NANO_TEST_UNSET_VAR' } } }, { name: 'plain', path: 'plain', hostnames: ['plain.test'], env: { NAME: 'p' } }])),
    'NANO_ERR_SECRET_UNAVAILABLE',
    /app "gate": secrets\.KEY: environment variable NANO_TEST_UNSET_VAR is not set/,
  );
  t.ok(line);
  await restore();
});

t.test('fixing the files applies them and clears the error', async (t) => {
  const since = s.logs.length;
  writeAtomic(GATE_PATH(), 'export default { fetch() { return new Response("gate fixed") } };');
  writeConfig(dir, base());
  const line = await until('a successful reload', () => s.logs.slice(since).find((l) => l.event === 'reloaded' && (l.changed as string[]).includes('gate')));
  t.ok(line);
  t.equal(await gate(), 'gate fixed');
  const detail = (await admin.call('GET', '/admin/apps/gate')).json;
  t.equal(detail.lastError, null, 'the app shows no error any more');
  t.equal((await admin.call('GET', '/admin/apps')).json.reload.last.ok, true);
});

t.test('a burst of writes gives one reload', async (t) => {
  const since = s.logs.length;
  for (let i = 0; i < 5; i++) writeFileSync(GATE_PATH(), `export default { fetch() { return new Response("burst ${i}") } };`);
  await until('the reload', () => s.logs.slice(since).some((l) => l.event === 'reloaded'));
  await new Promise((r) => setTimeout(r, 300));
  t.equal(s.logs.slice(since).filter((l) => l.event === 'reloaded' || l.event === 'reload_failed').length, 1, 'one reload');
  t.equal(await gate(), 'burst 4', 'with the last write');
});

t.test('an app whose files change again and again does not hold back another app\'s reload', async (t) => {
  // gate.test is rewritten every 20 ms for 1.5 s, so its own quiet period (60 ms) never comes;
  // plain.test is edited once meanwhile and must be served well before the storm ends.
  const plainPath = join(dir, 'plain/index.js');
  const original = readFileSync(plainPath, 'utf8');
  let storming = true;
  let last = '';
  const storm = (async (): Promise<void> => {
    for (let i = 0; storming; i++) {
      last = `storm ${i}`;
      writeFileSync(GATE_PATH(), `export default { fetch() { return new Response("${last}") } };`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const stormEnds = Date.now() + 1500;
  setTimeout(() => (storming = false), 1500);
  await new Promise((r) => setTimeout(r, 200));
  writeAtomic(plainPath, 'export default { fetch() { return new Response("plain edited") } };');
  let servedAt = 0;
  while (Date.now() < stormEnds + 3000) {
    if ((await plain()) === 'plain edited') {
      servedAt = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  storming = false;
  await storm;
  t.ok(servedAt > 0, 'the edit is applied');
  t.ok(servedAt < stormEnds, `served ${stormEnds - servedAt} ms before the other app's edits stopped`);
  writeAtomic(plainPath, original);
  await until('plain restored', async () => (await plain()) !== 'plain edited');
  await until('gate settled', async () => (await gate()) === last);
  await new Promise((r) => setTimeout(r, 200));
});

t.test('an app added by a reload is watched too', async (t) => {
  mkdirSync(join(dir, 'extra'));
  writeFileSync(join(dir, 'extra/index.js'), 'export default { fetch() { return new Response("extra 1") } };');
  let since = s.logs.length;
  writeConfig(dir, base([...base().apps, { name: 'extra', path: 'extra', hostnames: ['extra.test'] }]));
  t.same((await nextReload(s, since)).added, ['extra']);
  t.equal((await fetchRaw(s.port, '/', { host: 'extra.test' })).text, 'extra 1');
  // Edited at once, while chokidar may still be scanning the new directory: the watcher either
  // sees the edit or, once the directory is watched, finds a file modified since the reload began.
  since = s.logs.length;
  writeAtomic(join(dir, 'extra/index.js'), 'export default { fetch() { return new Response("extra 2") } };');
  t.same((await nextReload(s, since)).changed, ['extra']);
  await until('the edit is served', async () => (await fetchRaw(s.port, '/', { host: 'extra.test' })).text === 'extra 2');
});

t.test('without watching, SIGHUP reloads', async (t) => {
  const d = workspace({ plain: 'plain' });
  const cfg = (name: string): unknown => ({ apps: [{ name: 'plain', path: 'plain', env: { NAME: name } }] });
  writeConfig(d, cfg('one'));
  const h = await serve(['--config', join(d, 'nano.json'), '--no-watch']);
  t.teardown(() => h.stop().then(() => undefined));
  t.equal(h.logs.find((l) => l.event === 'listening')?.watching, false);
  writeConfig(d, cfg('two'));
  await new Promise((r) => setTimeout(r, 200));
  t.equal((await fetchRaw(h.port, '/')).text, 'plain one', 'no reload without a trigger');
  const since = h.logs.length;
  h.child.kill('SIGHUP');
  const line = await nextReload(h, since);
  t.equal(line.trigger, 'SIGHUP');
  t.equal((await fetchRaw(h.port, '/')).text, 'plain two');
});
