// The process-wide job pool: at most `slots` jobs at once, free slots to the waiting lines in
// turn, each line bounded in jobs and bytes, and a disposed line's waiting jobs failing.
import t from 'tap';
import { JobLine, JobPool } from '../../src/host-calls/job-pool.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

t.test('slots are shared fairly between lines', async (t) => {
  const pool = new JobPool(2, { jobs: 100, bytes: 1 << 20 }, 'jobs');
  const a = new JobLine();
  const b = new JobLine();
  const order: string[] = [];
  const gates: (() => void)[] = [];
  const job = (name: string) => () => {
    order.push(name);
    const g = gate();
    gates.push(g.open);
    return g.promise;
  };
  const all = [];
  for (let i = 0; i < 6; i++) all.push(pool.run(a, 1, job(`a${i}`)));
  for (let i = 0; i < 2; i++) all.push(pool.run(b, 1, job(`b${i}`)));
  await new Promise((r) => setImmediate(r));
  t.same(order, ['a0', 'a1'], 'two slots');
  t.equal(pool.running, 2);
  while (order.length < 8) {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  for (const g of gates) g();
  await Promise.all(all);
  t.same(order, ['a0', 'a1', 'a2', 'b0', 'a3', 'b1', 'a4', 'a5'], 'lines take turns');
  t.equal(pool.running, 0);
});

t.test('a full line refuses with QuotaExceededError', async (t) => {
  const pool = new JobPool(1, { jobs: 2, bytes: 100 }, 'crypto operations');
  const line = new JobLine();
  const g = gate();
  const running = pool.run(line, 10, () => g.promise);
  const w1 = pool.run(line, 60, async () => 1);
  await t.rejects(pool.run(line, 60, async () => 2), { name: 'QuotaExceededError', message: /limit 2 operations or 100 bytes/ }, 'bytes');
  const w2 = pool.run(line, 10, async () => 3);
  await t.rejects(pool.run(line, 1, async () => 4), { name: 'QuotaExceededError' }, 'jobs');
  g.open();
  t.same(await Promise.all([running, w1, w2]), [undefined, 1, 3]);
  const big = gate();
  const first = pool.run(line, 1, () => big.promise);
  const alone = pool.run(line, 1000, async () => 'big');
  big.open();
  t.equal(await alone, 'big', 'one waiting job is never refused for its size');
  await first;
});

t.test('disposing a line fails its waiting jobs and frees no slot twice', async (t) => {
  const pool = new JobPool(1, { jobs: 10, bytes: 1 << 20 }, 'jobs');
  const a = new JobLine();
  const b = new JobLine();
  const g = gate();
  const running = pool.run(a, 1, () => g.promise);
  const waiting = pool.run(a, 1, async () => 'never');
  const other = pool.run(b, 1, async () => 'b ran');
  a.dispose();
  await t.rejects(waiting, { name: 'OperationError' });
  await t.rejects(pool.run(a, 1, async () => 'x'), { name: 'OperationError' });
  g.open();
  await running;
  t.equal(await other, 'b ran');
  t.equal(pool.running, 0);
});
