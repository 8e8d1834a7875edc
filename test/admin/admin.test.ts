// The admin API of a real `nano serve` child: off without a token, bearer auth on every route,
// the app views (never a secret value), changes validated by the config schema and applied as
// in-memory overlays over the config file, and JSON errors with a code and a message.
import t from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw, ROOT, type Served } from '../helpers/serve.js';
import { workspace, writeConfig, adminClient, ADMIN_TOKEN, nextReload, until, type AdminClient } from '../helpers/lifecycle.js';

const SECRET = 'admin-test-secret-value-7f3a9c';
const appsOf = (dir: string) => [
  { name: 'gate', path: 'gate', hostnames: ['gate.test'], env: { VERSION: 'file' }, secrets: { API_KEY: { fromEnv: 'ADMIN_TEST_SECRET' } } },
  { name: 'plain', path: 'plain', hostnames: ['plain.test'], env: { NAME: 'p' } },
  { name: 'loop', path: join(ROOT, 'test/fixtures/apps/loop'), hostnames: ['loop.test'], limits: { cpuMs: 100 } },
].map((a) => ({ ...a, path: a.path.startsWith('/') ? a.path : join(dir, a.path) }));

t.test('the admin API is off without a token', async (t) => {
  const dir = workspace({ plain: 'plain' });
  writeConfig(dir, { apps: [{ name: 'plain', path: 'plain' }] });
  const s = await serve(['--config', join(dir, 'nano.json'), '--no-watch'], { NANO_ADMIN_TOKEN: '' });
  t.teardown(() => s.stop().then(() => undefined));
  t.equal(s.logs.find((l) => l.event === 'listening')?.admin, null, 'no admin listener');
  t.ok(s.logs.some((l) => l.event === 'admin_off'), 'the log says so');
});

t.test('the token can come from an environment variable; a short one stops startup', async (t) => {
  const dir = workspace({ plain: 'plain' });
  writeConfig(dir, { admin: { port: 0, tokenFromEnv: 'MY_ADMIN_TOKEN' }, apps: [{ name: 'plain', path: 'plain' }] });
  const s = await serve(['--config', join(dir, 'nano.json'), '--no-watch'], { MY_ADMIN_TOKEN: 'from-the-environment-123' });
  t.teardown(() => s.stop().then(() => undefined));
  const admin = adminClient(s, 'from-the-environment-123');
  t.equal((await admin.call('GET', '/admin/apps')).status, 200);
  t.equal((await admin.call('GET', '/admin/apps', undefined, ADMIN_TOKEN)).status, 401);
  await t.rejects(serve(['--config', join(dir, 'nano.json'), '--no-watch'], { MY_ADMIN_TOKEN: 'short' }), /admin\.tokenFromEnv: the token in MY_ADMIN_TOKEN is shorter than 16 characters/);
});

/** The admin section of the token tests: admin apps may read the test's secret variable. */
const ADMIN_SECTION = { port: 0, token: ADMIN_TOKEN, secretSources: { env: ['ADMIN_TEST_*'] } };

let dir: string;
let s: Served;
let admin: AdminClient;

t.test('with a token', async (t) => {
  dir = workspace({ gate: 'gate', plain: 'plain' });
  writeConfig(dir, { watch: { debounceMs: 50 }, admin: ADMIN_SECTION, apps: appsOf(dir) });
  s = await serve(['--config', join(dir, 'nano.json')], { ADMIN_TEST_SECRET: SECRET });
  t.teardown(() => s.stop().then(() => undefined));
  admin = adminClient(s);

  t.test('401 without the right bearer token, on every route, before routing', async (t) => {
    for (const path of ['/admin/apps', '/admin/apps/gate', '/metrics', '/nope']) {
      for (const tok of [null, 'wrong-token-wrong-token', `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1)]) {
        const r = await admin.call('GET', path, undefined, tok);
        t.equal(r.status, 401, `${path} with ${tok === null ? 'no token' : 'a wrong token'}`);
        t.equal(r.json.error.code, 'NANO_ERR_ADMIN_UNAUTHORIZED');
        t.match(r.headers['www-authenticate'], /^Bearer/);
      }
    }
    const basic = await fetchRaw(admin.port, '/admin/apps', { headers: { authorization: `Basic ${ADMIN_TOKEN}` } });
    t.equal(basic.status, 401, 'only the Bearer scheme');
    const del = await admin.call('DELETE', '/admin/apps/gate', undefined, null);
    t.equal(del.status, 401, 'a refused change changes nothing');
    t.equal((await fetchRaw(s.port, '/', { host: 'gate.test' })).status, 200);
  });

  t.test('GET /admin/apps and /admin/apps/:name: status, hostnames, version, in-flight, limits, errors; secrets by name only', async (t) => {
    const list = await admin.call('GET', '/admin/apps');
    t.equal(list.status, 200);
    t.same(list.json.apps.map((a: { name: string }) => a.name), ['gate', 'plain', 'loop']);
    t.equal(list.json.apps[1].status, 'idle', 'an app no request reached yet has no isolate');
    t.match(list.json.apps[0], { name: 'gate', status: 'running', hostnames: ['gate.test'], default: false, version: /^[0-9a-f]{12}$/, inflight: 0, source: 'config', lastError: null });
    t.same(list.json.overlays, []);
    await fetchRaw(s.port, '/', { host: 'gate.test' });
    const d = await admin.call('GET', '/admin/apps/gate');
    t.match(d.json, {
      name: 'gate',
      status: 'running',
      limits: { memoryMb: 128, cpuMs: 1000, wallMs: 30000 },
      env: { VERSION: 'file' },
      secrets: ['API_KEY'],
      isolate: { live: true },
      errors: { isolate: null, reload: null },
    });
    t.ok(d.json.isolate.heapBytes > 0);
    t.equal((await admin.call('GET', '/admin/apps/loop')).json.limits.cpuMs, 100, 'effective limits');
    for (const r of [list, d]) t.notOk(r.text.includes(SECRET), 'no secret value');
    t.notOk(d.text.includes('ADMIN_TEST_SECRET'), 'not even where the secret comes from');
  });

  t.test('JSON errors: unknown app or route 404, wrong method 405 with Allow', async (t) => {
    const nf = await admin.call('GET', '/admin/apps/nobody');
    t.equal(nf.status, 404);
    t.same(nf.json, { error: { code: 'NANO_ERR_ADMIN_NOT_FOUND', message: 'no app "nobody"' } });
    t.equal((await admin.call('GET', '/admin/nothing')).json.error.code, 'NANO_ERR_ADMIN_NOT_FOUND');
    const m = await admin.call('PATCH', '/admin/apps/gate', {});
    t.equal(m.status, 405);
    t.equal(m.headers.allow, 'GET, PUT, DELETE');
    t.equal(m.json.error.code, 'NANO_ERR_ADMIN_METHOD');
    t.equal((await admin.call('DELETE', '/admin/apps/nobody')).status, 404);
  });

  t.test('POST /admin/apps: validated by the config schema, checked with the other apps, loaded before it serves', async (t) => {
    const bad = await admin.call('POST', '/admin/apps', '{ not json');
    t.equal(bad.status, 400);
    t.equal(bad.json.error.code, 'NANO_ERR_ADMIN_BAD_REQUEST');
    t.equal((await admin.call('POST', '/admin/apps', [1, 2])).status, 400);
    const invalid = await admin.call('POST', '/admin/apps', { name: 'New App', path: 5, colour: 'red' });
    t.equal(invalid.status, 422);
    t.equal(invalid.json.error.code, 'NANO_ERR_CONFIG_INVALID');
    t.match(invalid.json.error.problems.join('\n'), /request body: name: .*lowercase/);
    t.match(invalid.json.error.problems.join('\n'), /request body: path: expected string/);
    t.match(invalid.json.error.problems.join('\n'), /request body: \(root\): unknown field "colour"/);
    const dup = await admin.call('POST', '/admin/apps', { name: 'plain', path: join(dir, 'plain'), hostnames: ['x.test'] });
    t.equal(dup.status, 409);
    t.equal(dup.json.error.code, 'NANO_ERR_ADMIN_CONFLICT');
    const clash = await admin.call('POST', '/admin/apps', { name: 'other', path: join(dir, 'plain'), hostnames: ['gate.test'] });
    t.equal(clash.status, 422, 'a hostname another app has');
    t.match(clash.json.error.message, /hostname "gate\.test" is already routed/);
    // Inside the config's directory: admin apps must lie under admin.appRoots (default: there).
    const broken = join(dir, 'broken');
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(broken);
    writeFileSync(join(broken, 'index.js'), 'export default { fetch( };');
    const noLoad = await admin.call('POST', '/admin/apps', { name: 'broken', path: broken, hostnames: ['broken.test'] });
    t.equal(noLoad.status, 422, 'code that does not load is refused');
    t.equal(noLoad.json.error.code, 'NANO_ERR_APP_LOAD');
    t.equal((await fetchRaw(s.port, '/', { host: 'broken.test' })).status, 404, 'and nothing changed');

    const ok = await admin.call('POST', '/admin/apps', { name: 'added', path: 'plain', hostnames: ['added.test'], env: { NAME: 'added' } });
    t.equal(ok.status, 201);
    t.match(ok.json, { app: { name: 'added', source: 'admin', path: join(dir, 'plain') }, reload: { ok: true, added: ['added'] } });
    t.equal((await fetchRaw(s.port, '/', { host: 'added.test' })).text, 'plain added', 'a relative path resolves like the config file\'s');
  });

  t.test('PUT /admin/apps/:name replaces an app, env included, atomically', async (t) => {
    const mismatch = await admin.call('PUT', '/admin/apps/gate', { name: 'plain', path: 'gate' });
    t.equal(mismatch.status, 400);
    t.match(mismatch.json.error.message, /must match/);
    t.equal((await admin.call('PUT', '/admin/apps/nobody', { path: 'gate' })).status, 404);
    const r = await admin.call('PUT', '/admin/apps/gate', { path: 'gate', hostnames: ['gate.test'], env: { VERSION: 'admin' }, secrets: { API_KEY: { fromEnv: 'ADMIN_TEST_SECRET' } } });
    t.equal(r.status, 200);
    t.match(r.json, { app: { env: { VERSION: 'admin' }, source: 'admin' }, reload: { changed: ['gate'] } });
    t.notOk(r.text.includes(SECRET));
    t.equal((await fetchRaw(s.port, '/', { host: 'gate.test' })).text, 'gate ok admin');
    const invalid = await admin.call('PUT', '/admin/apps/gate', { path: 'gate', env: { 'bad-name': 1 } });
    t.equal(invalid.status, 422);
    t.equal((await fetchRaw(s.port, '/', { host: 'gate.test' })).text, 'gate ok admin', 'a refused PUT changes nothing');
  });

  t.test('admin changes are overlays: they survive file reloads until discarded', async (t) => {
    let since = s.logs.length;
    writeConfig(dir, { watch: { debounceMs: 50 }, admin: ADMIN_SECTION, apps: appsOf(dir).map((a) => (a.name === 'plain' ? { ...a, env: { NAME: 'p2' } } : a)) });
    const line = await nextReload(s, since);
    t.equal(line.event, 'reloaded');
    t.equal((await fetchRaw(s.port, '/', { host: 'plain.test' })).text, 'plain p2', 'the file change applies');
    t.equal((await fetchRaw(s.port, '/', { host: 'gate.test' })).text, 'gate ok admin', 'the overlay still wins for its app');
    t.equal((await fetchRaw(s.port, '/', { host: 'added.test' })).text, 'plain added', 'an admin-added app stays');
    t.ok(s.logs.slice(since).some((l) => l.event === 'overlay_shadows_file'), 'a warning names the shadowed app');
    const list = (await admin.call('GET', '/admin/apps')).json;
    t.same(list.overlays, [{ app: 'added', op: 'put' }, { app: 'gate', op: 'put' }]);

    const reload = await admin.call('POST', '/admin/reload');
    t.equal(reload.status, 200);
    t.match(reload.json, { reload: { ok: true, trigger: 'admin' } });
    t.equal((await fetchRaw(s.port, '/', { host: 'gate.test' })).text, 'gate ok admin', 'POST /admin/reload keeps overlays');
    t.equal((await admin.call('POST', '/admin/reload', { discard: true })).status, 400, 'an unknown reload option is refused');

    since = s.logs.length;
    const discard = await admin.call('POST', '/admin/reload', { discardOverlays: true });
    t.equal(discard.status, 200);
    t.match(discard.json.reload, { removed: ['added'], changed: ['gate'] });
    t.equal((await fetchRaw(s.port, '/', { host: 'gate.test' })).text, 'gate ok file', 'back to the file as written');
    await until('the admin-added app to drain away', async () => (await fetchRaw(s.port, '/', { host: 'added.test' })).status === 404);
    t.same((await admin.call('GET', '/admin/apps')).json.overlays, []);
  });

  t.test('removing every app is refused by the schema', async (t) => {
    await admin.call('DELETE', '/admin/apps/loop');
    await admin.call('DELETE', '/admin/apps/plain');
    const last = await admin.call('DELETE', '/admin/apps/gate');
    t.equal(last.status, 422);
    t.match(last.json.error.message, /apps: at least one app/);
    t.equal((await fetchRaw(s.port, '/', { host: 'gate.test' })).status, 200);
  });

  t.test('a body over 1 MiB is refused', async (t) => {
    const r = await admin.call('POST', '/admin/apps', JSON.stringify({ name: 'big', path: 'x', env: { X: 'y'.repeat(1_100_000) } }));
    t.equal(r.status, 400);
    t.match(r.json.error.message, /over 1 MiB/);
  });

  t.test('no secret value in anything the child printed', async (t) => {
    t.notOk(s.stdout().includes(SECRET));
    t.notOk(s.stderr().includes(SECRET));
  });
});
