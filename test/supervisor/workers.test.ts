// `nano serve --workers 2` as a real child with real signals: both workers serve one port (also
// with --port 0), SIGTERM drains every worker (readiness fails in each at once) and exits 0, and
// SIGUSR2 replaces the workers one at a time under load without a failed request.
import t from 'tap';
import { fetchRaw } from '../helpers/serve.js';
import { Conn } from '../helpers/lifecycle.js';
import { startLoad } from '../helpers/load.js';
import { serveWorkers, alive, until } from './helpers.js';

t.test('two workers listen on the one port 0 the supervisor logs; both serve', async (t) => {
  const s = await serveWorkers(2);
  t.teardown(() => s.stop().then(() => undefined));
  const listening = s.logs.find((l) => l.event === 'listening' && l.worker === undefined);
  t.equal(listening?.workers, 2);
  // Each worker writes its own line to the shared stdout; it may come after the supervisor's.
  const workers = await until('two worker_listening lines', () => {
    const lines = s.logs.filter((l) => l.event === 'worker_listening');
    return lines.length >= 2 && lines;
  });
  t.equal(workers.length, 2, 'two workers');
  t.same(workers.map((w) => w.port), [s.port, s.port], 'on the port the supervisor logged');
  t.not(workers[0]?.pid, workers[1]?.pid, 'in two processes');
  t.not(workers[0]?.pid, s.child.pid, 'neither of which is the supervisor');
  const replies = await Promise.all(Array.from({ length: 8 }, () => fetchRaw(s.port, '/', { host: 'plain.test' })));
  t.same(replies.map((r) => r.text), Array(8).fill('plain '));
});

t.test('SIGTERM with 2 workers under load: readiness fails at once in every worker, 0 failed, exit 0', async (t) => {
  const s = await serveWorkers(2);
  // Four connections accepted in a row (node:cluster hands them to the workers in turn), each
  // probing /readyz back to back, like a load balancer's health check on a kept-alive connection.
  const conns = Array.from({ length: 4 }, () => new Conn(s.port));
  t.teardown(() => conns.forEach((c) => c.destroy()));
  for (const c of conns) t.equal((await c.get('/readyz', 'any')).status, 200);
  let signalled = false;
  const probe = async (c: Conn): Promise<{ okAfterSignal: number; last: number }> => {
    let okAfterSignal = 0;
    for (;;) {
      const r = await c.get('/readyz', 'any');
      if (r.status !== 200) return { okAfterSignal, last: r.status };
      if (signalled) okAfterSignal++;
    }
  };
  const probes = Promise.all(conns.map(probe));
  // Sixteen keep-alive clients: each 503 closes its connection and the client reconnects at once,
  // which is what met a reset when a worker's drain began while another still accepted (the
  // primary queued the reconnect for a worker, then closed it unanswered when the last worker
  // stopped listening). With four, that race showed in about one run in ten; with sixteen, in
  // most runs.
  const load = startLoad({ port: s.port, host: 'plain.test', path: '/', concurrency: 16, durationMs: 60_000 });
  await until('load is flowing', () => load.sentSoFar() > 200);
  const exited = s.stop('SIGTERM');
  signalled = true;
  const seen = await probes;
  t.same(seen.map((p) => p.last), [503, 503, 503, 503], 'every probing connection, whichever worker holds it, turns to 503');
  t.comment(`200s after the signal was sent, per connection: ${seen.map((p) => p.okAfterSignal).join(', ')}`);
  const { code } = await exited;
  const r = await load.stop();
  t.equal(code, 0, 'exit status 0');
  t.equal(r.failed, 0, `no failed request (${r.failures.join('; ')}; errors ${JSON.stringify(r.errors)})`);
  t.ok(r.refused > 0, `the drain refused cleanly (503 + Connection: close, then connection refused): ${r.refused}`);
  // The order that makes it so: every worker stopped accepting before any worker's drain began.
  const unlisten = s.logs.filter((l) => l.event === 'workers_unlistened');
  t.equal(unlisten.length, 1, 'the supervisor logged that every worker stopped accepting');
  t.equal(unlisten[0]?.timedOut, undefined, 'each said so');
  const drains = s.logs.filter((l) => l.event === 'draining' && l.worker !== undefined);
  t.equal(drains.length, 2, 'then both workers drained');
  t.ok(drains.every((d) => Date.parse(String(d.time)) >= Date.parse(String(unlisten[0]?.time))), 'after it, not before');
  t.ok(r.ok > 200, `served ${r.ok}, refused cleanly ${r.refused}`);
  for (const pid of s.pids().values()) t.ok(!alive(pid), `worker ${pid} exited`);
});

t.test('SIGUSR2 replaces the workers one at a time under load: no request fails or is refused', async (t) => {
  const s = await serveWorkers(2);
  t.teardown(() => s.stop().then(() => undefined));
  const before = [...s.pids().values()];
  const load = startLoad({ port: s.port, host: 'plain.test', path: '/', concurrency: 4, durationMs: 120_000 });
  t.teardown(() => load.stop().then(() => undefined));
  await until('load is flowing', () => load.sentSoFar() > 200);
  // A load balancer's readiness probe on a kept-alive connection sees the port ready throughout.
  const probe = new Conn(s.port);
  t.teardown(() => probe.destroy());
  const readiness: number[] = [];
  let restarting = true;
  const probing = (async () => {
    while (restarting) readiness.push((await probe.get('/readyz', 'any')).status);
  })();
  s.child.kill('SIGUSR2');
  const done = await s.waitForLog((l) => l.event === 'rolling_restart_done', 60_000);
  restarting = false;
  await probing;
  t.equal(done.replaced, 2, 'both workers replaced');
  t.ok(readiness.length > 0 && readiness.every((st) => st === 200), `/readyz stayed 200 (${readiness.length} probes)`);
  const sent = load.sentSoFar();
  await until('traffic on the new workers', () => load.sentSoFar() > sent + 200);
  const r = await load.stop();
  t.equal(r.failed, 0, `no failed request (${r.failures.join('; ')}; errors ${JSON.stringify(r.errors)})`);
  t.equal(r.refused, 0, 'none refused either: a worker handing off still serves its open connections');
  const after = [...s.pids().values()];
  t.equal(after.length, 2);
  for (const pid of before) {
    t.notOk(after.includes(pid), `old worker ${pid} replaced`);
    t.ok(!alive(pid), `and exited`);
  }
  t.notOk(s.logs.some((l) => l.event === 'worker_died'), 'no worker died');
});
