// The "auto" execution policy: which turn timings move an app from the main thread to the pool.
import t from 'tap';
import { ExecutionPolicy } from '../../src/isolates/execution-policy.js';

t.test('cheap turns never move an app, even with occasional pauses', async (t) => {
  const p = new ExecutionPolicy();
  let moved = false;
  for (let i = 0; i < 10_000; i++) moved ||= p.record(i % 500 === 0 ? 45 : 0.02);
  t.equal(moved, false, 'a 45 ms pause every 500 turns is clipped and averaged away');
  t.ok(p.averageMs < 2);
});

t.test('the first turns of an isolate are not counted', async (t) => {
  const p = new ExecutionPolicy();
  for (let i = 0; i < 8; i++) t.equal(p.record(500), false, `warm-up turn ${i}`);
  p.isolateCreated();
  for (let i = 0; i < 8; i++) t.equal(p.record(500), false, 'a new isolate warms up again');
});

t.test('two turns in a row over 50 ms move at once; one does not', async (t) => {
  const p = new ExecutionPolicy();
  for (let i = 0; i < 8; i++) p.record(0.01);
  t.equal(p.record(80), false, 'one long turn');
  t.equal(p.record(0.01), false);
  t.equal(p.record(80), false);
  t.equal(p.record(80), true, 'the second long turn in a row');
});

t.test('a steady moderate cost moves on the average', async (t) => {
  const p = new ExecutionPolicy();
  for (let i = 0; i < 8; i++) p.record(0.01);
  let turns = 0;
  while (!p.record(3) && turns < 1000) turns++;
  t.ok(turns > 5 && turns < 100, `moved after ${turns} turns of 3 ms`);
});
