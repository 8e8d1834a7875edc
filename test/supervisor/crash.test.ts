// Crash containment with `nano serve --workers 2` (a real child): a worker killed with SIGKILL
// under load is replaced at once, the other keeps serving, and only what it had in flight fails.
import t from 'tap';
import { startLoad } from '../helpers/load.js';
import { serveWorkers, alive, until } from './helpers.js';

t.test('SIGKILL of one worker under load: the other keeps serving, the worker is back at once, failures are only what it had in flight', async (t) => {
  const s = await serveWorkers(2);
  t.teardown(() => s.stop().then(() => undefined));
  const victim = s.pids().get(1) as number;
  const load = startLoad({ port: s.port, host: 'plain.test', path: '/', concurrency: 4, durationMs: 60_000 });
  t.teardown(() => load.stop().then(() => undefined));
  await until('load is flowing', () => load.sentSoFar() > 200);
  const inflight = load.active();
  const killedAt = Date.now();
  process.kill(victim, 'SIGKILL');
  const died = await s.waitForLog((l) => l.event === 'worker_died', 30_000);
  t.equal(died.worker, 1, 'the log names the worker');
  t.equal(died.pid, victim);
  t.equal(died.signal, 'SIGKILL', 'and why it died');
  t.equal(died.lastApp, 'plain', 'and the last app a request went to in it');
  t.equal(died.restartInMs, 0, 'replaced at once');
  const sentAtDeath = load.sentSoFar();
  const back = await s.waitForLog((l) => l.event === 'worker_replaced', 60_000);
  const backMs = Date.parse(String(back.time)) - killedAt;
  t.ok(load.sentSoFar() > sentAtDeath, 'requests kept being served while the worker was down');
  t.comment(`worker back ${backMs} ms after SIGKILL`);
  t.ok(backMs < 10_000, `the replacement listens soon (${backMs} ms, most of it the new process's start-up)`);
  await until('traffic after the replacement', () => load.sentSoFar() > sentAtDeath + 200);
  const r = await load.stop();
  t.ok(r.failed <= inflight, `failed ${r.failed} ≤ ${inflight} requests in flight when it was killed (${r.failures.slice(0, 3).join('; ')})`);
  t.equal(r.refused, 0, 'no request was refused: the listener never went away');
  t.ok(!alive(victim), 'the killed process is gone');
});
