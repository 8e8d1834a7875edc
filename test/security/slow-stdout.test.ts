// Attack: an app logs as much as its limits allow while nobody reads the server's stdout (a stuck
// log shipper). The server keeps at most 16 MiB of log lines waiting for stdout, drops the rest
// and says so once stdout moves again, instead of growing its memory with every line.
import t from 'tap';
import { neighbours, alive } from '../helpers/neighbours.js';

const APP = `export default { async fetch() {
  const line = 'y'.repeat(60 * 1024);
  for (let i = 0; i < 500; i++) console.log(line);
  return new Response('logged');
} };
`;

t.test('a slow stdout does not grow the server', async (t) => {
  const n = await neighbours(t, APP, { limits: { logLinesPerSec: 1_000_000, logBytesPerSec: 1024 * 1024 * 1024, logLineBytes: 65_536, cpuMs: 10_000 } });
  await n.neighbourOk(t, 'before');
  const before = n.rssMb();
  n.s.child.stdout?.pause();
  for (let i = 0; i < 8; i++) t.equal((await n.attack()).status, 200, `flood ${i + 1}: 500 lines of 60 KiB`);
  await n.neighbourOk(t, 'while stdout is stuck');
  const grown = n.rssMb() - before;
  // 240 MiB of log lines were written; without a bound they all waited in the server's memory
  // (RSS +470 MiB). With it, what remains is the garbage of the lines' strings (about +200 MiB).
  t.ok(grown < 320, `server RSS grew ${grown.toFixed(0)} MiB (bound 320)`);
  n.s.child.stdout?.resume();
  const warn = await n.s.waitForLog((l) => /stdout is slower than the log: \d+ lines dropped \(buffer limit 16777216 bytes\)/.test(String(l.msg)));
  t.ok(Number(warn.dropped) > 0, `the drop is reported (${String(warn.dropped)} lines)`);
  await n.neighbourOk(t, 'after');
  await alive(t, n.s);
});
