// The noisy-neighbour bench's second load generator: drives an attacker app at a low, fixed rate
// with a bound on requests in flight, and counts what came back by status, so a reader sees the
// attack really ran and how the server answered it. Runs as its own process, pinned beside the
// healthy app's load generator (scripts/bench/noisy-neighbour.mjs starts it).
//
//   node attacker-load.mjs --url URL --host HOST --rate N --connections N --seconds S
//        [--timeout-ms MS] [--grace-ms MS]
//
// It sends for S seconds or until its stdin ends, whichever comes first (the bench ends stdin
// when the healthy app's measurement is over, so the attack covers all of it).
//
// Prints one JSON line: { sent, completed, rps, statuses: { "200": n, … }, errors: { ECONNRESET:
// n, … }, timeouts, unfinished, skipped, p50Ms, maxMs }. `skipped` counts ticks of the rate when
// every connection was still busy; `unfinished` counts requests still open after the grace period.
import { request, Agent } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    host: { type: 'string' },
    rate: { type: 'string', default: '20' },
    connections: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '5' },
    'timeout-ms': { type: 'string', default: '10000' },
    'grace-ms': { type: 'string', default: '1000' },
  },
});
if (values.url === undefined || values.host === undefined) throw new Error('attacker-load: --url and --host are required');
const url = new URL(values.url);
const rate = Number(values.rate);
const connections = Number(values.connections);
const durationMs = Number(values.seconds) * 1000;
const timeoutMs = Number(values['timeout-ms']);
const graceMs = Number(values['grace-ms']);

const agent = new Agent({ keepAlive: true, maxSockets: connections });
const statuses = {};
const errors = {};
const latencies = [];
let sent = 0;
let timeouts = 0;
let skipped = 0;
const open = new Set();

function send() {
  sent++;
  const start = performance.now();
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host: values.host }, agent, timeout: timeoutMs }, (res) => {
    res.on('error', () => {});
    res.resume();
    res.on('end', () => {
      open.delete(req);
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      latencies.push(performance.now() - start);
    });
  });
  open.add(req);
  req.on('timeout', () => {
    timeouts++;
    open.delete(req);
    req.destroy();
  });
  req.on('error', (err) => {
    // A destroyed request (timeout, end of the grace period) was counted where it was destroyed.
    if (!open.delete(req)) return;
    const code = err.code ?? err.name;
    errors[code] = (errors[code] ?? 0) + 1;
  });
  req.end();
}

const t0 = performance.now();
const tick = setInterval(() => {
  if (open.size < connections) send();
  else skipped++;
}, 1000 / rate);
await new Promise((resolve) => {
  const timer = setTimeout(resolve, durationMs);
  process.stdin.on('end', () => {
    clearTimeout(timer);
    resolve();
  });
  process.stdin.on('error', () => {});
  process.stdin.resume();
});
clearInterval(tick);
// Requests still open get a short grace, then count as unfinished: a server that stopped
// answering must not hold the bench.
const graceEnd = performance.now() + graceMs;
while (open.size > 0 && performance.now() < graceEnd) await new Promise((r) => setTimeout(r, 20));
const elapsedS = (performance.now() - t0) / 1000;
const unfinished = open.size;
for (const req of open) {
  open.delete(req);
  req.destroy();
}
agent.destroy();

latencies.sort((a, b) => a - b);
const completed = latencies.length;
const round = (x) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    sent,
    completed,
    rps: round(completed / elapsedS),
    statuses,
    errors,
    timeouts,
    unfinished,
    skipped,
    p50Ms: completed > 0 ? round(latencies[Math.floor(completed / 2)]) : null,
    maxMs: completed > 0 ? round(latencies[completed - 1]) : null,
  }),
);
process.exit(0);
