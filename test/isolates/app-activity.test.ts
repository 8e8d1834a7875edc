// The one test of "is this app idle": requests in flight, requests waiting for the isolate and
// waitUntil work each keep an app busy; drains waiting on it wake exactly when all three are done.
import t from 'tap';
import { AppActivity } from '../../src/isolates/app-activity.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { InFlight } from '../../src/isolates/in-flight.js';

const request = { id: 1 } as unknown as InFlight; // only its presence in the table matters here

t.test('each kind of work keeps the app busy, and a drain wakes when the last ends', async (t) => {
  const a = new AppActivity(silentLogger());
  t.equal(a.idle, true);
  a.inflight.set(1, request);
  a.starting = 1;
  a.countWaitUntil(1, true);
  let woke = false;
  const drained = a.whenIdle().then(() => (woke = true));
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

  a.ended(1);
  a.checkIdle();
  await settle();
  t.equal(woke, false, 'a request waiting for the isolate still counts');
  a.starting = 0;
  a.checkIdle();
  await settle();
  t.equal(woke, false, 'pending waitUntil work still counts');
  t.equal(a.pendingWaitUntil, 1);
  a.countWaitUntil(1, false);
  await drained;
  t.equal(a.idle, true);
  t.equal(a.pendingWaitUntil, 0);
});

t.test('idleFor: idle and unused for at least the given time', async (t) => {
  const a = new AppActivity(silentLogger());
  const now = Date.now();
  a.lastUsed = now - 1000;
  t.equal(a.idleFor(now, 1000), true);
  t.equal(a.idleFor(now, 1001), false, 'used too recently');
  a.countWaitUntil(0, true);
  t.equal(a.idleFor(now, 10), false, 'busy with waitUntil work');
  a.clearWaitUntil();
  t.equal(a.idleFor(now, 10), true, 'cleared (isolate gone or drain deadline passed)');
});

t.test('a waitUntil end for a request that never started one changes nothing', async (t) => {
  const a = new AppActivity(silentLogger());
  a.countWaitUntil(5, false);
  t.equal(a.pendingWaitUntil, 0);
  t.equal(a.idle, true);
});
