// The "auto" execution policy: which turn timings move an app from the main thread to the pool.
import t from 'tap';
import { ExecutionPolicy } from '../../src/isolates/execution-policy.js';

t.test('cheap turns never move an app, even with occasional pauses', async (t) => {
  const p = new ExecutionPolicy();
  let moved = false;
  for (let i = 0; i < 10_000; i++) moved ||= p.record(i % 500 === 0 ? 15 : 0.02);
  t.equal(moved, false, 'a 15 ms pause every 500 turns is clipped and averaged away');
  t.ok(p.averageMs < 2);
});

t.test('the first turns of an isolate do not count towards the average', async (t) => {
  const p = new ExecutionPolicy();
  for (let i = 0; i < 8; i++) t.equal(p.record(15), false, `warm-up turn ${i}`);
  p.isolateCreated();
  for (let i = 0; i < 8; i++) t.equal(p.record(15), false, 'a new isolate warms up again');
  t.equal(p.averageMs, 0);
});

t.test('one turn over 20 ms moves at once, even during warm-up', async (t) => {
  const p = new ExecutionPolicy();
  t.equal(p.record(19), false, 'a turn under the bound');
  t.equal(p.record(21), true, 'the first turn over it, in warm-up');
  const q = new ExecutionPolicy();
  for (let i = 0; i < 100; i++) q.record(0.01);
  t.equal(q.record(80), true, 'a long turn after many cheap ones');
});

t.test('a steady moderate cost moves on the average', async (t) => {
  const p = new ExecutionPolicy();
  for (let i = 0; i < 8; i++) p.record(0.01);
  let turns = 0;
  while (!p.record(3) && turns < 1000) turns++;
  t.ok(turns > 5 && turns < 100, `moved after ${turns} turns of 3 ms`);
});
