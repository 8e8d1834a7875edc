// App lifecycle end to end: removing an app drains only that app (by config edit and by the admin
// API), a new env reaches new requests while in-flight ones keep the old one, and the three
// zero-failure figures under load (code reload, config reload, SIGTERM drain).
import t from 'tap';
import { serve, fetchRaw } from '../helpers/serve.js';
import { workspace, writeConfig, until, adminClient, ADMIN_TOKEN, nextReload } from '../helpers/lifecycle.js';
import { codeReloadUnderLoad, configReloadUnderLoad, sigtermUnderLoad, type Figure } from '../helpers/scenarios.js';

const errorCode = (text: string): string => (JSON.parse(text) as { error: { code: string } }).error.code;

t.test('removing an app from the config drains only that app', async (t) => {
  const dir = workspace({ gate: 'gate', plain: 'plain' });
  const apps = [
    { name: 'gate', path: 'gate', hostnames: ['gate.test'] },
    { name: 'plain', path: 'plain', hostnames: ['plain.test'] },
  ];
  const config = writeConfig(dir, { watch: { debounceMs: 50 }, admin: { port: 0, token: ADMIN_TOKEN }, apps });
  const s = await serve(['--config', config]);
  t.teardown(() => s.stop().then(() => undefined));
  const admin = adminClient(s);

  const inflight = fetchRaw(s.port, '/sleep?ms=800', { host: 'gate.test' });
  await until('the request to reach the app', async () => (await fetchRaw(s.port, '/busy', { host: 'gate.test' })).text === '1');
  const since = s.logs.length;
  writeConfig(dir, { watch: { debounceMs: 50 }, admin: { port: 0, token: ADMIN_TOKEN }, apps: [apps[1]] });
  const line = await nextReload(s, since);
  t.equal(line.event, 'reloaded');
  t.same(line.removed, ['gate']);

  const refused = await fetchRaw(s.port, '/', { host: 'gate.test' });
  t.equal(refused.status, 503, 'new requests to the removed app get 503 while it drains');
  t.equal(errorCode(refused.text), 'NANO_ERR_APP_DRAINING');
  t.equal(refused.headers.connection, 'close');
  t.equal((await admin.call('GET', '/admin/apps/gate')).json.status, 'removing', 'the admin API shows it removing');
  t.equal((await fetchRaw(s.port, '/', { host: 'plain.test' })).text, 'plain ', 'other apps are untouched');

  const done = await inflight;
  t.equal(done.status, 200, 'its in-flight request completes');
  t.equal(done.text, 'slept 800 ');
  await until('the removed app to be gone', async () => (await fetchRaw(s.port, '/', { host: 'gate.test' })).status === 404);
  t.equal((await admin.call('GET', '/admin/apps/gate')).status, 404);
  // The log comes through the child's stdout, which may trail its HTTP answers.
  t.ok(await s.waitForLog((l) => l.event === 'drained' && l.reason === 'app "gate" removed'), 'its drain is logged');
});

t.test('DELETE /admin/apps/:name drains, then removes; the response reports the drain', async (t) => {
  const dir = workspace({ gate: 'gate', plain: 'plain' });
  const config = writeConfig(dir, {
    admin: { port: 0, token: ADMIN_TOKEN },
    apps: [
      { name: 'gate', path: 'gate', hostnames: ['gate.test'] },
      { name: 'plain', path: 'plain', hostnames: ['plain.test'] },
    ],
  });
  const s = await serve(['--config', config, '--no-watch']);
  t.teardown(() => s.stop().then(() => undefined));
  const admin = adminClient(s);
  const inflight = fetchRaw(s.port, '/sleep?ms=1500', { host: 'gate.test' });
  const inflightDone = inflight.then((r) => ({ r, at: performance.now() }));
  await until('the request to reach the app', async () => (await fetchRaw(s.port, '/busy', { host: 'gate.test' })).text === '1');
  const del = admin.call('DELETE', '/admin/apps/gate').then((r) => ({ r, at: performance.now() }));
  await until('the app to refuse new requests', async () => (await fetchRaw(s.port, '/', { host: 'gate.test' })).status === 503);
  t.equal((await fetchRaw(s.port, '/', { host: 'plain.test' })).status, 200);
  const [d, i] = await Promise.all([del, inflightDone]);
  t.equal(d.r.status, 200);
  t.match(d.r.json, { removed: 'gate', drain: { ended: 'idle', cut: 0 } });
  t.ok(d.r.json.drain.ms >= 200, `the DELETE answered after the drain waited for the in-flight request (${d.r.json.drain.ms} ms)`);
  t.equal(i.r.status, 200, 'the in-flight request completed');
  t.equal((await fetchRaw(s.port, '/', { host: 'gate.test' })).status, 404, 'then the app is gone');
});

t.test('a new env reaches new requests; in-flight requests finish with the old one', async (t) => {
  const dir = workspace({ gate: 'gate' });
  const cfg = (v: string): unknown => ({ watch: { debounceMs: 50 }, apps: [{ name: 'gate', path: 'gate', hostnames: ['gate.test'], env: { VERSION: v } }] });
  const config = writeConfig(dir, cfg('one'));
  const s = await serve(['--config', config]);
  t.teardown(() => s.stop().then(() => undefined));
  const old = fetchRaw(s.port, '/sleep?ms=600', { host: 'gate.test' });
  await until('the request to reach the app', async () => (await fetchRaw(s.port, '/busy', { host: 'gate.test' })).text === '1');
  const since = s.logs.length;
  writeConfig(dir, cfg('two'));
  t.equal((await nextReload(s, since)).event, 'reloaded');
  t.equal((await fetchRaw(s.port, '/', { host: 'gate.test' })).text, 'gate ok two', 'new requests see the new env');
  t.equal((await old).text, 'slept 600 one', 'the in-flight request finished with the old env');
});

const summary = (f: Figure): string => `${f.scenario}: ${f.requests} requests, ${f.ok} ok, ${f.refused} refused, ${f.failed} failed ${JSON.stringify(f.detail)}`;
const zeroFailed = (f: Figure): string => `${f.scenario}: zero failed requests ${f.failures.join('; ')}`;

t.test('under load: a code reload fails zero requests', async (t) => {
  const f = await codeReloadUnderLoad({ durationMs: 2000, concurrency: 6, edits: 3 });
  t.comment(summary(f));
  t.equal(f.failed, 0, zeroFailed(f));
  t.equal(f.refused, 0, 'and refuses none');
  t.ok(f.requests > 100, 'the load was real');
  t.same(new Set(f.detail.versionsSeen as string[]), new Set(['gate ok ', 'gate v1 ', 'gate v2 ', 'gate v3 ']), 'every version served in turn');
});

t.test('under load: a config reload that adds and removes other apps fails zero requests of the unaffected app', async (t) => {
  const f = await configReloadUnderLoad({ durationMs: 2000, concurrency: 6 });
  t.comment(summary(f));
  t.equal(f.failed, 0, zeroFailed(f));
  t.equal(f.refused, 0);
  t.ok((f.detail.applied as string[]).every((a) => a.includes('reloaded')), 'every edit applied');
});

t.test('under load: SIGTERM fails zero requests and exits 0', async (t) => {
  const f = await sigtermUnderLoad({ durationMs: 800, concurrency: 16 });
  t.comment(summary(f));
  t.equal(f.failed, 0, zeroFailed(f));
  t.equal(f.exitCode, 0);
  t.ok((f.detail.inFlightAtSignal as number) > 0, 'requests were in flight at the signal');
});

t.test('under load: clients that keep sending after SIGTERM meet only clean refusals', async (t) => {
  const f = await sigtermUnderLoad({ durationMs: 600, concurrency: 16, keepSending: true });
  t.comment(summary(f));
  t.equal(f.failed, 0, zeroFailed(f));
  t.equal(f.exitCode, 0);
  t.ok(f.refused > 0, 'requests after the signal were refused');
});
