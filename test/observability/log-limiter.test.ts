// The console limiter: token buckets for lines and bytes, the line cut with its marker, drop
// reports at most once per interval, and the guest's own drop counts.
import t from 'tap';
import { LogLimiter, truncateLine, type DropReport } from '../../src/observability/log-limiter.js';
import { LOG_DROPPED } from '../../src/protocol/bridge.js';

function limiter(linesPerSec: number, bytesPerSec: number, maxLineBytes = 1024): { l: LogLimiter; clock: { t: number }; reports: DropReport[] } {
  const clock = { t: 0 };
  const reports: DropReport[] = [];
  const l = new LogLimiter({ linesPerSec, bytesPerSec, maxLineBytes }, (r) => reports.push(r), () => clock.t);
  return { l, clock, reports };
}

t.test('lines per second: a burst of one second, then the refill rate', async (t) => {
  const { l, clock, reports } = limiter(10, 1 << 20);
  const admitted = Array.from({ length: 15 }, (_, i) => l.admit('info', `line ${i}`)).filter((x) => x !== null).length;
  t.equal(admitted, 10);
  t.equal(l.pending, 5);
  clock.t = 500;
  t.equal(Array.from({ length: 10 }, () => l.admit('info', 'x')).filter((x) => x !== null).length, 5, 'half a second refills half');
  l.close();
  t.same(reports, [{ dropped: 10, limit: 'logLinesPerSec' }], 'one report with every drop');
});

t.test('bytes per second count UTF-8 bytes', async (t) => {
  const { l, reports } = limiter(1000, 1024);
  t.not(l.admit('info', 'é'.repeat(500)), null, '1,000 bytes fit');
  t.equal(l.admit('info', 'é'.repeat(20)), null, '40 more do not');
  l.close();
  t.same(reports, [{ dropped: 1, limit: 'logBytesPerSec' }]);
});

t.test('long lines are cut at a character boundary and marked', async (t) => {
  t.equal(truncateLine('short', 16), 'short');
  const cut = truncateLine('€'.repeat(10), 16);
  t.equal(cut, `${'€'.repeat(5)} …[line truncated to limits.logLineBytes = 16 bytes]`);
  t.equal(truncateLine('a'.repeat(17), 16), `${'a'.repeat(16)} …[line truncated to limits.logLineBytes = 16 bytes]`);
  t.equal(truncateLine('a'.repeat(16), 16), 'a'.repeat(16));
});

t.test("the guest's drop counts are counted, never logged", async (t) => {
  const { l, reports } = limiter(10, 1 << 20);
  t.equal(l.admit(LOG_DROPPED, '25 l'), null);
  t.equal(l.admit(LOG_DROPPED, '-3 l'), null, 'a bad count is ignored');
  t.equal(l.admit(LOG_DROPPED, '5 b'), null);
  l.close();
  t.same(reports, [{ dropped: 30, limit: 'logLinesPerSec' }]);
  t.same(l.wire(), [10, 1 << 20, 1024]);
});
