// The response body window's ring: where takes may write, and how space frees in write order.
import t from 'tap';
import { StreamWindow, WINDOW_BYTES, WINDOW_TAKE_MAX } from '../../src/isolates/stream-window.js';

t.test('an empty window offers half of itself from the start', async (t) => {
  const w = new StreamWindow();
  t.same(w.space(), { offset: 0, max: WINDOW_TAKE_MAX });
});

t.test('takes fill the ring, wrap to the start and wait while the socket holds everything', async (t) => {
  const w = new StreamWindow();
  const a = w.commit(0, WINDOW_TAKE_MAX);
  t.equal(a.byteLength, WINDOW_TAKE_MAX);
  t.equal(a.buffer, w.sab, 'a view of the shared memory, not a copy');
  t.same(w.space(), { offset: WINDOW_TAKE_MAX, max: WINDOW_TAKE_MAX }, 'the second half');
  w.commit(WINDOW_TAKE_MAX, WINDOW_TAKE_MAX - 1000);
  t.equal(w.space(), null, '1,000 bytes at the end are too few and the start is in use');
  w.release(); // the first half went out
  t.same(w.space(), { offset: 0, max: WINDOW_TAKE_MAX }, 'wraps to the freed start');
  w.commit(0, 300_000);
  t.same(w.space(), { offset: 300_000, max: WINDOW_TAKE_MAX - 300_000 + 0 }, 'up to the oldest segment still in use');
  w.commit(300_000, WINDOW_TAKE_MAX - 300_000);
  t.equal(w.space(), null, 'full');
  w.release();
  w.release();
  t.same(w.space(), { offset: WINDOW_TAKE_MAX, max: WINDOW_TAKE_MAX }, 'after the start segments, the rest of the ring');
  w.release();
  t.equal(w.space()?.offset, 0, 'all released: back to the start');
});

t.test('small takes keep up to the whole window in flight', async (t) => {
  const w = new StreamWindow();
  let inFlight = 0;
  for (;;) {
    const sp = w.space();
    if (sp === null) break;
    w.commit(sp.offset, Math.min(sp.max, 65_536));
    inFlight += Math.min(sp.max, 65_536);
  }
  t.ok(inFlight >= WINDOW_BYTES - 16 * 1024, `${inFlight} of ${WINDOW_BYTES} bytes in flight before the window waits`);
});
