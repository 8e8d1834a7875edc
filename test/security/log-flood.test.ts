// Attack: an app floods console.log with huge lines. Its console is rate-limited (lines and
// bytes per second) and each line is cut to limits.logLineBytes, so the host's memory stays flat,
// dropped lines are counted in /metrics and reported once per interval naming the app and limit.
import t from 'tap';
import { neighbours, alive } from '../helpers/neighbours.js';

const FLOOD = `export default { async fetch(request) {
  const big = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < 300; i++) console.log(big);
  return new Response('flooded');
} };
`;

t.test('console flood: 3 × 300 lines of 1 MiB', async (t) => {
  const n = await neighbours(t, FLOOD);
  await n.neighbourOk(t, 'before');
  const before = n.rssMb();
  const floods = [n.attack(), n.attack(), n.attack()];
  await n.neighbourOk(t, 'during the flood');
  for (const r of await Promise.all(floods)) t.equal(r.status, 200, 'the attacker itself is served');
  const warn = await n.attackerLog(/logged over its limit/);
  t.equal(warn.code, 'NANO_ERR_LOG_RATE', 'the drop report carries its error code');
  t.match(String(warn.msg), /app "attacker".*limits\.logBytesPerSec/, 'the report names the app and the limit');
  t.ok(Number(warn.dropped) > 0, `it counts the dropped lines (${String(warn.dropped)})`);
  const consoleLines = n.s.logs.filter((l) => l.app === 'attacker' && l.src === 'console');
  t.ok(consoleLines.length > 0 && consoleLines.length < 900, `only part of the flood was logged (${consoleLines.length} of 900 lines)`);
  t.ok(consoleLines.every((l) => String(l.msg).length < 17 * 1024 && /line truncated to limits\.logLineBytes = 16384 bytes\]$/.test(String(l.msg))), 'every logged line was cut to 16 KiB with a marker');
  // Without the limits the host held ~900 MiB of log text; a generous bound keeps this steady.
  const grown = n.rssMb() - before;
  t.ok(grown < 300, `server RSS grew ${grown.toFixed(0)} MiB (bound 300)`);
  t.ok((await n.metric('nano_log_lines_dropped_total{app="attacker"}')) > 0, 'dropped lines are counted in /metrics');
  await n.neighbourOk(t, 'after');
  await alive(t, n.s);
});

t.test('a per-app log rate from the config applies', async (t) => {
  const n = await neighbours(t, `export default { async fetch() { for (let i = 0; i < 50; i++) console.log('line ' + i); return new Response('ok'); } };`, { limits: { logLinesPerSec: 10 } });
  t.equal((await n.attack()).status, 200);
  const warn = await n.attackerLog(/logged over its limit/);
  t.match(String(warn.msg), /10 lines per second \(limits\.logLinesPerSec\)/);
  const lines = n.s.logs.filter((l) => l.app === 'attacker' && l.src === 'console').length;
  // The bucket starts full (10 lines) and refills at 10 per second while the loop runs.
  t.ok(lines >= 10 && lines < 50, `${lines} of 50 lines logged`);
  // The guest console reports its own drops as a count, at most every 100 ms while dropping.
  t.ok(Number(warn.dropped) > 0 && Number(warn.dropped) + lines <= 50, 'dropped lines are counted');
  await n.neighbourOk(t, 'after');
});

t.test('console flood: short lines as fast as the app can', async (t) => {
  const n = await neighbours(t, `export default { async fetch() {
    const t0 = Date.now(); let i = 0;
    while (Date.now() - t0 < 800) console.log('short line ' + i++);
    return new Response(String(i));
  } };`);
  const before = n.rssMb();
  const flood = n.attack();
  await n.neighbourOk(t, 'during the flood');
  const r = await flood;
  t.equal(r.status, 200, `the attacker is served (${r.text} console.log calls)`);
  // Each line sent to the host costs it memory before it can drop it (~650 MiB for ~90,000 lines
  // when every line was sent): the guest console drops lines over the rate before sending.
  const grown = n.rssMb() - before;
  t.ok(grown < 150, `server RSS grew ${grown.toFixed(0)} MiB (bound 150)`);
  const warn = await n.attackerLog(/logged over its limit/);
  t.match(String(warn.msg), /500 lines per second \(limits\.logLinesPerSec\)/);
  await n.neighbourOk(t, 'after');
  await alive(t, n.s);
});
