// The window take: every value the guest's encoder makes decodes to what was encoded, and values
// it never makes (wrong types, forged lengths, counts outside the space offered) decode to null.
import t from 'tap';
import { decodeWindowTake, encodeWindowTake } from '../../src/protocol/window-take.js';
import { MAX_GUEST_MESSAGE } from '../../src/protocol/limits.js';

t.test('round trip of the three forms', async (t) => {
  for (const n of [0, 1, 4096, 65536]) {
    t.same(decodeWindowTake(encodeWindowTake(n, false, null), 65536), { n, ended: false, error: null }, `${n} bytes, stream goes on`);
    t.same(decodeWindowTake(encodeWindowTake(n, true, null), 65536), { n, ended: true, error: null }, `${n} bytes, then the end`);
    t.same(decodeWindowTake(encodeWindowTake(n, true, 'TypeError: boom\nat x'), 65536), { n, ended: true, error: 'TypeError: boom\nat x' }, `${n} bytes, then an error`);
  }
});

t.test('forgeries are refused', async (t) => {
  t.equal(decodeWindowTake(65537, 65536), null, 'more than the space offered');
  t.equal(decodeWindowTake(-(2 ** 30), 65536), null, 'a forged negative length');
  t.equal(decodeWindowTake(1.5, 65536), null);
  t.equal(decodeWindowTake(Number.NaN, 65536), null);
  t.equal(decodeWindowTake('-5\nx', 65536), null, 'a negative count in the error form');
  t.equal(decodeWindowTake('70000\nx', 65536), null);
  t.equal(decodeWindowTake('12', 65536), null, 'an error form without its line feed');
  t.equal(decodeWindowTake({ n: 1 }, 65536), null);
  const long = decodeWindowTake(`0\n${'x'.repeat(MAX_GUEST_MESSAGE * 2)}`, 10);
  t.equal(long?.error?.length, MAX_GUEST_MESSAGE, 'a guest message is bounded');
});
