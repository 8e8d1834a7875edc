// Env and secrets end to end: delivery of plain and secret bindings (fromEnv, fromFile,
// encrypted) to both handler syntaxes, deep freezing, no route from one app to another's env,
// and no secret value anywhere the server writes (logs, errors, admin API, metrics).
import t from 'tap';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { serve, fetchRaw, type Served } from '../helpers/serve.js';
import { workspace, writeConfig, adminClient, ADMIN_TOKEN, nextReload } from '../helpers/lifecycle.js';
import { encryptSecret } from '../../src/env/secret-crypto.js';

const KEY = randomBytes(32);
const KEY_B64 = KEY.toString('base64');
const SECRETS = { envA: 'sEcReT-from-env-A-91c2', fileA: 'sEcReT-from-file-A-5d7e', encA: 'sEcReT-encrypted-A-3b8f', envB: 'sEcReT-from-env-B-0a4d', sw: 'sEcReT-sw-6c1e' };

let dir: string;
let s: Served;

t.before(async () => {
  dir = workspace({ envspy: 'envspy', envsw: 'envsw' });
  writeFileSync(join(dir, 'a.secret'), `${SECRETS.fileA}\n`);
  writeConfig(dir, {
    watch: { debounceMs: 50 },
    admin: { port: 0, token: ADMIN_TOKEN },
    apps: [
      {
        name: 'a', path: 'envspy', hostnames: ['a.test'],
        env: { NAME: 'app-a', CONFIG: { nested: { level: 1 }, list: [1, 2, 3] } },
        secrets: { SECRET_ENV: { fromEnv: 'ENV_TEST_A' }, SECRET_FILE: { fromFile: 'a.secret' }, SECRET_ENC: { encrypted: encryptSecret(SECRETS.encA, KEY, { app: 'a', name: 'SECRET_ENC' }) } },
      },
      { name: 'b', path: 'envspy', hostnames: ['b.test'], env: { NAME: 'app-b', CONFIG: { nested: { level: 2 }, list: [] } }, secrets: { SECRET_ENV: { fromEnv: 'ENV_TEST_B' } } },
      { name: 'sw', path: 'envsw', hostnames: ['sw.test'], env: { NAME: 'app-sw', CONFIG: { nested: { level: 3 } } }, secrets: { SECRET_ENV: { fromEnv: 'ENV_TEST_SW' } } },
    ],
  });
  s = await serve(['--config', join(dir, 'nano.json')], { ENV_TEST_A: SECRETS.envA, ENV_TEST_B: SECRETS.envB, ENV_TEST_SW: SECRETS.sw, NANO_SECRET_KEY: KEY_B64 });
});
t.teardown(() => s.stop().then(() => undefined));

const json = async (host: string, path: string): Promise<any> => JSON.parse((await fetchRaw(s.port, path, { host })).text);

t.test('every kind of binding arrives in env', async (t) => {
  t.same(await json('a.test', '/env'), { NAME: 'app-a', CONFIG: { nested: { level: 1 }, list: [1, 2, 3] }, SECRET_ENV: SECRETS.envA, SECRET_FILE: SECRETS.fileA, SECRET_ENC: SECRETS.encA });
  t.same(await json('b.test', '/env'), { NAME: 'app-b', CONFIG: { nested: { level: 2 }, list: [] }, SECRET_ENV: SECRETS.envB });
  t.same(await json('sw.test', '/'), { SECRET_ENV: SECRETS.sw, NAME: 'app-sw', level: 3 }, 'service-worker syntax: as globals');
});

t.test('env is deeply frozen: no request can change what the next one sees', async (t) => {
  const r = await json('a.test', '/mutate');
  for (const [what, outcome] of Object.entries(r)) t.equal(outcome, 'TypeError', `${what} is refused`);
  t.same(await json('a.test', '/env'), { NAME: 'app-a', CONFIG: { nested: { level: 1 }, list: [1, 2, 3] }, SECRET_ENV: SECRETS.envA, SECRET_FILE: SECRETS.fileA, SECRET_ENC: SECRETS.encA }, 'the next request sees the env unchanged');
  const sw = await json('sw.test', '/mutate');
  t.same(sw, { assign: 'TypeError', remove: 'TypeError', define: 'TypeError', nested: 'TypeError', unchanged: true }, 'service-worker env globals are read-only and permanent');
});

t.test('app A cannot reach app B\'s env by any shared route', async (t) => {
  t.equal((await fetchRaw(s.port, '/pollute', { host: 'a.test' })).text, 'polluted');
  const self = await json('a.test', '/probe');
  t.equal(self.objectProto, SECRETS.envA, 'A polluted its own realm (its own business)');
  t.equal(self.stash, 'app-a');
  const b = await json('b.test', '/probe');
  t.same({ ...b, stringGlobals: undefined }, { objectProto: null, arrayProto: null, global: null, json: null, stash: null, envKeys: ['NAME', 'CONFIG', 'SECRET_ENV'] }, 'B sees no prototype, global or module state of A');
  const all = JSON.stringify(b);
  for (const v of [SECRETS.envA, SECRETS.fileA, SECRETS.encA, SECRETS.sw]) t.notOk(all.includes(v), 'none of the other apps\' secrets');
  const sw = JSON.stringify(await json('sw.test', '/'));
  t.notOk(sw.includes(SECRETS.envA) || sw.includes(SECRETS.envB), 'nor the service-worker app');
});

t.test('secret values appear nowhere the server writes', async (t) => {
  const err = await fetchRaw(s.port, '/throw', { host: 'a.test' });
  t.equal(err.status, 500);
  await s.waitForLog((l) => l.app === 'a' && typeof l.stack === 'string');
  const admin = adminClient(s);
  const views = [await admin.call('GET', '/admin/apps'), await admin.call('GET', '/admin/apps/a'), await admin.call('GET', '/admin/apps/b'), await admin.call('GET', '/metrics')];
  t.same((await admin.call('GET', '/admin/apps/a')).json.secrets, ['SECRET_ENV', 'SECRET_FILE', 'SECRET_ENC'], 'the admin API names the secrets');
  const everything = [err.text, ...views.map((v) => v.text), s.stdout(), s.stderr()].join('\n');
  for (const [name, v] of Object.entries(SECRETS)) t.notOk(everything.includes(v), `${name} is not in logs, errors, admin API or metrics`);
});

t.test('a reload with a wrong key is refused clearly; the running env stays', async (t) => {
  const since = s.logs.length;
  const other = randomBytes(32);
  writeConfig(dir, {
    watch: { debounceMs: 50 },
    admin: { port: 0, token: ADMIN_TOKEN },
    apps: [{ name: 'a', path: 'envspy', hostnames: ['a.test'], env: { NAME: 'app-a2' }, secrets: { SECRET_ENC: { encrypted: encryptSecret('whatever', other, { app: 'a', name: 'SECRET_ENC' }) } } }],
  });
  const line = await nextReload(s, since);
  t.equal(line.event, 'reload_failed');
  t.equal(line.code, 'NANO_ERR_SECRET_UNAVAILABLE');
  t.match((line.problems as string[])[0], /app "a": secrets\.SECRET_ENC: cannot decrypt: wrong NANO_SECRET_KEY, a value encrypted for another app or binding, or the value was altered/);
  t.equal((await json('a.test', '/env')).NAME, 'app-a', 'the running version keeps its env');
  t.equal((await json('b.test', '/env')).NAME, 'app-b', 'and its neighbours');
});

t.test('startup fails clearly on a missing or wrong key, naming the binding, not the value', async (t) => {
  const d = workspace({ envspy: 'envspy' });
  const enc = encryptSecret('plain-text-never-shown', KEY, { app: 'a', name: 'TOKEN' });
  writeConfig(d, { apps: [{ name: 'a', path: 'envspy', secrets: { TOKEN: { encrypted: enc } } }] });
  const cfg = join(d, 'nano.json');
  await t.rejects(serve(['--config', cfg, '--no-watch'], { NANO_SECRET_KEY: '' }), /NANO_ERR_SECRET_UNAVAILABLE: cannot start\n {2}app "a": secrets\.TOKEN: the config holds an encrypted secret but NANO_SECRET_KEY is not set/);
  await t.rejects(serve(['--config', cfg, '--no-watch'], { NANO_SECRET_KEY: randomBytes(32).toString('hex') }), /app "a": secrets\.TOKEN: cannot decrypt: wrong NANO_SECRET_KEY/);
  await t.rejects(serve(['--config', cfg, '--no-watch'], { NANO_SECRET_KEY: 'too-short' }), /NANO_SECRET_KEY must be 32 bytes .*nano secret keygen/);
  // The same value copied to another app's binding does not decrypt there (v2 binds app and name).
  writeConfig(d, { apps: [{ name: 'b', path: 'envspy', secrets: { TOKEN: { encrypted: enc } } }] });
  await t.rejects(serve(['--config', cfg, '--no-watch'], { NANO_SECRET_KEY: KEY.toString('base64') }), /app "b": secrets\.TOKEN: cannot decrypt: wrong NANO_SECRET_KEY, a value encrypted for another app/);
  writeConfig(d, { apps: [{ name: 'a', path: 'envspy', secrets: { TOKEN: { fromEnv: 'NOT_SET_ANYWHERE' }, FILE: { fromFile: 'missing.txt' } } }] });
  await t.rejects(serve(['--config', cfg, '--no-watch']), /secrets\.TOKEN: environment variable NOT_SET_ANYWHERE is not set[\s\S]*secrets\.FILE: cannot read .*missing\.txt \(no such file\)/, 'every problem in one pass');
});
