// The supervisor's pure decisions: when a dead worker's replacement starts (backoff), when a
// worker is recycled for its memory, and how the admin API merges the workers' views of an app.
import t from 'tap';
import { restartDelay, STABLE_AFTER_MS } from '../../src/supervisor/backoff.js';
import { RssRecycler, RECYCLE_AFTER_MS } from '../../src/supervisor/recycle.js';
import { mergeAppViews } from '../../src/admin/merge-views.js';

t.test('backoff: at once after a stable run; doubling while the slot keeps dying soon after its start', async (t) => {
  const slot = { quickDeaths: 0 };
  t.equal(restartDelay(slot, 100), 0, 'a first quick death: at once');
  t.equal(restartDelay(slot, 100), 500);
  t.equal(restartDelay(slot, 100), 1000);
  t.equal(restartDelay(slot, 100), 2000);
  for (let i = 0; i < 10; i++) restartDelay(slot, 100);
  t.equal(restartDelay(slot, 100), 30_000, 'bounded');
  t.equal(restartDelay(slot, STABLE_AFTER_MS), 0, 'a worker that ran long enough starts the count again');
  t.equal(restartDelay(slot, 100), 500);
});

t.test('recycling: only an RSS that stays above the bound for the whole period', async (t) => {
  const recycled: number[] = [];
  const r = new RssRecycler(100, (w) => recycled.push(w));
  const mib = 1024 * 1024;
  r.report(1, 150 * mib, 0);
  r.report(1, 150 * mib, RECYCLE_AFTER_MS - 1);
  t.same(recycled, [], 'not before the period has passed');
  r.report(1, 90 * mib, RECYCLE_AFTER_MS);
  r.report(1, 150 * mib, RECYCLE_AFTER_MS + 1);
  r.report(1, 150 * mib, 2 * RECYCLE_AFTER_MS);
  t.same(recycled, [], 'a dip below the bound starts the period again');
  r.report(2, 150 * mib, 0);
  r.report(1, 150 * mib, 2 * RECYCLE_AFTER_MS + 1);
  r.report(2, 150 * mib, RECYCLE_AFTER_MS);
  t.same(recycled, [1, 2], 'each worker on its own clock');
});

t.test('merged app views: each app once, counts summed, each worker beside', async (t) => {
  const merged = mergeAppViews([
    { worker: 2, apps: [{ name: 'a', status: 'running', inflight: 2, connections: 3 }] },
    { worker: 1, apps: [{ name: 'a', status: 'idle', inflight: 1, connections: 1 }, { name: 'b', status: 'idle', inflight: 0, connections: 0 }] },
  ]);
  t.same(merged, [
    { name: 'a', status: 'running', inflight: 3, connections: 4, workers: [{ worker: 1, status: 'idle', inflight: 1, connections: 1 }, { worker: 2, status: 'running', inflight: 2, connections: 3 }] },
    { name: 'b', status: 'idle', inflight: 0, connections: 0, workers: [{ worker: 1, status: 'idle', inflight: 0, connections: 0 }] },
  ]);
  t.same(mergeAppViews([]), []);
});
