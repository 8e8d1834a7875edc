// Graceful shutdown of a real `nano serve` child with real signals: readiness, refusal of new
// work, completion of in-flight requests (streaming ones included) and waitUntil work, the drain
// deadline, the second signal, and the exit status of each.
import t from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw, type Served } from '../helpers/serve.js';
import { workspace, writeConfig, Conn, until } from '../helpers/lifecycle.js';
import { startLoad } from '../helpers/load.js';

async function start(extra: Record<string, unknown> = {}): Promise<Served> {
  const dir = workspace({ gate: 'gate', plain: 'plain' });
  const config = writeConfig(dir, {
    defaults: { idleEvictMs: 0 },
    apps: [
      { name: 'gate', path: 'gate', hostnames: ['gate.test'] },
      { name: 'plain', path: 'plain', hostnames: ['plain.test'] },
    ],
    ...extra,
  });
  return serve(['--config', config, '--no-watch']);
}

const isDraining = (l: Record<string, unknown>): boolean => l.event === 'draining';
const busy = (s: Served, n: number): Promise<boolean> => until(`${n} requests busy in the app`, async () => Number((await fetchRaw(s.port, '/busy', { host: 'gate.test' })).text) >= n);

t.test('SIGTERM: readiness fails at once, new work is refused, in-flight work (streams too) completes, exit 0', async (t) => {
  const s = await start();
  const ready = new Conn(s.port);
  const idle = new Conn(s.port);
  t.teardown(() => {
    ready.destroy();
    idle.destroy();
  });
  t.equal((await ready.get('/readyz', 'any')).status, 200);
  t.equal((await idle.get('/', 'gate.test')).status, 200, 'a kept-alive connection, idle when the signal comes');

  const slow = new Conn(s.port);
  const stream = new Conn(s.port);
  const inflight = slow.get('/sleep?ms=700', 'gate.test');
  const streaming = stream.start('/stream?n=8&ms=100', 'gate.test');
  await streaming.firstByte;
  await busy(s, 1);
  const wu = await fetchRaw(s.port, '/waituntil?ms=400&id=w', { host: 'gate.test' });
  t.equal(wu.text, 'scheduled');

  const exited = s.stop('SIGTERM');
  await s.waitForLog(isDraining);
  const r = await ready.get('/readyz', 'any');
  t.equal(r.status, 503, '/readyz turns 503 at once');
  t.equal(r.headers.connection, 'close');

  const late = await idle.get('/', 'gate.test');
  t.equal(late.status, 503, 'a new request on a kept-alive connection gets 503');
  t.ok(late.reused, 'on the connection that was already open');
  t.equal(late.headers.connection, 'close', 'with Connection: close');
  t.equal((JSON.parse(late.text) as { error: { code: string } }).error.code, 'NANO_ERR_APP_DRAINING');
  await until('the refused connection to close', () => idle.closed);

  await t.rejects(fetchRaw(s.port, '/', { host: 'plain.test' }), { code: 'ECONNREFUSED' }, 'new connections are not accepted');

  const done = await inflight;
  t.equal(done.status, 200, 'the in-flight request completes');
  t.equal(done.text, 'slept 700 ');
  t.equal(done.headers.connection, 'close', 'and tells the client to close');
  const body = await streaming.done;
  t.equal(body.text, Array.from({ length: 8 }, (_, i) => `chunk${i}\n`).join(''), 'the open streaming response runs to its end');

  const { code } = await exited;
  t.equal(code, 0, 'exit status 0');
  const lines = s.logs.map((l) => String(l.msg));
  t.ok(lines.includes('waitUntil w done'), 'waitUntil work finished before exit');
  t.ok(s.logs.some((l) => l.event === 'drained' && l.reason === 'shutdown'), 'the log says the drain ended cleanly');
});

t.test('a keep-alive client at full speed across SIGTERM meets no reset: every request is answered or refused cleanly', async (t) => {
  // The race is between the drain's end and requests already sent on kept-alive connections, so
  // several runs: each one is a fresh chance for a request to land as the drain finishes.
  for (let run = 0; run < 3; run++) {
    const s = await start();
    const load = startLoad({ port: s.port, host: 'plain.test', path: '/', concurrency: 16, durationMs: 20_000 });
    await until('load is flowing', () => load.sentSoFar() > 200);
    const exited = s.stop('SIGTERM');
    const { code } = await exited;
    const r = await load.stop();
    t.equal(code, 0, `run ${run}: exit 0`);
    t.equal(r.errors.ECONNRESET ?? 0, 0, `run ${run}: no ECONNRESET (errors: ${JSON.stringify(r.errors)})`);
    t.equal(r.failed, 0, `run ${run}: every request answered 2xx or refused cleanly (${r.failures.join('; ')})`);
    t.ok(r.ok > 200 && r.refused > 0, `run ${run}: served ${r.ok}, refused ${r.refused}`);
  }
});

t.test('an idle keep-alive connection is closed once the drain is done, and does not hold the exit', async (t) => {
  const s = await start();
  const idle = new Conn(s.port);
  t.teardown(() => idle.destroy());
  t.equal((await idle.get('/', 'plain.test')).status, 200);
  await new Promise((r) => setTimeout(r, 600));
  const started = Date.now();
  const { code } = await s.stop('SIGTERM');
  t.equal(code, 0);
  t.ok(Date.now() - started < 3000, 'exit soon after the signal');
  await until('the idle connection to be closed by the server', () => idle.closed);
});

t.test('SIGINT drains the same way', async (t) => {
  const s = await start();
  const p = fetchRaw(s.port, '/sleep?ms=300', { host: 'gate.test' });
  await busy(s, 1);
  const exited = s.stop('SIGINT');
  t.equal((await p).status, 200);
  t.equal((await exited).code, 0);
});

t.test('drain deadline: the rest is cut, the log names it, exit 1', async (t) => {
  const s = await start({ server: { drainTimeoutMs: 300 } });
  const stuck = fetchRaw(s.port, '/sleep?ms=10000', { host: 'gate.test' });
  const stream = new Conn(s.port);
  const streaming = stream.start('/stream?n=100&ms=200', 'gate.test');
  await streaming.firstByte;
  await busy(s, 1);
  const started = Date.now();
  const exited = s.stop('SIGTERM');
  const cutReply = await stuck;
  t.equal(cutReply.status, 503, 'a request without a response yet gets 503');
  await t.rejects(streaming.done, 'a streaming response that had started is cut (connection closed)');
  const { code } = await exited;
  t.equal(code, 1, 'exit status 1');
  t.ok(Date.now() - started < 5000, 'it did not wait for the requests');
  const cut = s.logs.find((l) => l.event === 'drain_cut');
  t.ok(cut, 'a drain_cut log line');
  t.equal(cut?.code, 'NANO_ERR_DRAIN_TIMEOUT');
  t.equal(cut?.cut, 2);
  t.match(String(cut?.msg), /gate: 2 request\(s\) \[.*GET \/sleep.*\]/, 'the line names the app and the requests cut');
  t.match(String(cut?.msg), /GET \/stream/);
  stream.destroy();
});

t.test('a second signal exits at once', async (t) => {
  const s = await start();
  const stuck = fetchRaw(s.port, '/sleep?ms=20000', { host: 'gate.test' }).catch((e: Error) => e);
  await busy(s, 1);
  const started = Date.now();
  const exited = s.stop('SIGTERM');
  await s.waitForLog(isDraining);
  s.child.kill('SIGINT');
  const { code } = await exited;
  t.not(code, 0, 'a non-zero exit status');
  t.ok(Date.now() - started < 3000, 'without waiting for the in-flight request');
  t.ok(s.logs.some((l) => l.event === 'exit_now'), 'the log says why');
  await stuck;
});

t.test('per-app connection and request counts are exact (admin API and metrics agree)', async (t) => {
  const dir = workspace({ gate: 'gate', plain: 'plain' });
  const config = writeConfig(dir, {
    defaults: { idleEvictMs: 0 },
    admin: { port: 0, token: 'drain-test-token-0123456789' },
    apps: [
      { name: 'gate', path: join(dir, 'gate'), hostnames: ['gate.test'] },
      { name: 'plain', path: join(dir, 'plain'), hostnames: ['plain.test'] },
    ],
  });
  const s = await serve(['--config', config, '--no-watch']);
  t.teardown(() => s.stop().then(() => undefined));
  const adminPort = (s.logs.find((l) => l.event === 'listening')?.admin as { port: number }).port;
  const admin = async (path: string): Promise<any> => JSON.parse((await fetchRaw(adminPort, path, { headers: { authorization: 'Bearer drain-test-token-0123456789' } })).text);
  const metric = async (name: string, app: string): Promise<number> => {
    const text = (await fetchRaw(adminPort, '/metrics', { headers: { authorization: 'Bearer drain-test-token-0123456789' } })).text;
    const m = new RegExp(`^${name}\\{app="${app}"\\} (\\S+)$`, 'm').exec(text);
    return m === null ? 0 : Number(m[1]);
  };

  const conns = Array.from({ length: 9 }, () => new Conn(s.port));
  t.teardown(() => conns.forEach((c) => c.destroy()));
  const [k1, k2, k3, h1, h2, st, p1, p2, mover] = conns as [Conn, Conn, Conn, Conn, Conn, Conn, Conn, Conn, Conn];
  for (const c of [k1, k2, k3]) t.equal((await c.get('/', 'gate.test')).status, 200);
  for (const c of [p1, p2]) t.equal((await c.get('/', 'plain.test')).status, 200);
  t.equal((await mover.get('/', 'gate.test')).status, 200);
  const held = [h1.get('/hold?id=a', 'gate.test'), h2.get('/hold?id=b', 'gate.test')];
  const streaming = st.start('/stream-hold?id=c', 'gate.test');
  await streaming.firstByte;
  await until('3 gate requests in flight', async () => (await admin('/admin/apps/gate')).inflight === 3);

  let gate = await admin('/admin/apps/gate');
  t.equal(gate.inflight, 3, 'gate: 2 held + 1 streaming request in flight');
  t.equal(gate.connections, 7, 'gate: 4 idle keep-alive + 3 busy connections');
  let plain = await admin('/admin/apps/plain');
  t.equal(plain.inflight, 0);
  t.equal(plain.connections, 2);
  t.equal(await metric('nano_requests_in_flight', 'gate'), 3, 'the in-flight gauge agrees');

  t.equal((await mover.get('/', 'plain.test')).status, 200, 'a keep-alive connection moves to another app');
  gate = await admin('/admin/apps/gate');
  plain = await admin('/admin/apps/plain');
  t.equal(gate.connections, 6);
  t.equal(plain.connections, 3);

  k1.destroy();
  await until('the closed connection to be counted', async () => (await admin('/admin/apps/gate')).connections === 5);

  t.equal((await fetchRaw(s.port, '/release-all', { host: 'gate.test' })).text, '3');
  t.same((await Promise.all(held)).map((r) => r.text), ['held a done', 'held b done']);
  t.equal((await streaming.done).text, 'start\nend\n');
  await until('no gate request in flight', async () => (await admin('/admin/apps/gate')).inflight === 0);
  t.equal(await metric('nano_requests_in_flight', 'gate'), 0);
  const apps = (await admin('/admin/apps')).apps as { name: string; inflight: number }[];
  t.same(apps.map((a) => [a.name, a.inflight]), [['gate', 0], ['plain', 0]]);
});
