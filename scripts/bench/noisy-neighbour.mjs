// The noisy-neighbour bench (issue 16, "Proof"): a healthy hello app's latency under steady load,
// first with an attacker app beside it idle, then while a second, low-rate load generator drives
// the attacker through one attack class. Each class gets a fresh `nano serve` with one nano.json
// naming both apps, so what one attack leaves behind (armed timers, a grown heap, a dead server)
// never spoils the next class's figures.
//
// Target per class: healthy p99 under attack <= 2x its p99 alone, 0 failed healthy requests, and the
// server alive and answering afterwards. The bench reports whatever the server does: a server that
// dies, freezes or grows without bound gives a failing row, never a stuck bench.
//
// Per class: a fresh server (core BENCH_NOISY_SERVER_CPUS, default 0); the healthy app warmed up
// (BENCH_NOISY_WARMUP_SECONDS, 1) and measured alone (BENCH_NOISY_ALONE_SECONDS, 3) with
// BENCH_NOISY_CONNECTIONS (8) connections; then the attacker driven by scripts/bench/attacker-load.mjs
// at its class's rate (BENCH_NOISY_ATTACK_RATE and BENCH_NOISY_ATTACK_CONNECTIONS override it),
// and after a lead (1000 ms, longer for a class whose attack escalates later; BENCH_NOISY_LEAD_MS
// sets it for all) the healthy app measured again for
// BENCH_NOISY_ATTACK_SECONDS (5). Both load generators and the server's log reader run on the load
// core. BENCH_NOISY_CLASSES=cpu,logs picks classes; BENCH_NOISY_RSS_CAP_MIB (4096) kills a server
// that grows past it. Each class runs BENCH_NOISY_RUNS (3) times and reports its median run; the
// seven classes take about five minutes on a quiet machine.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { ROOT, NODE, SERVER_CPU, LOAD_CPU, startServer, loadAsync, rssMiB, round, pinned } from './lib.mjs';

const APPS = join(ROOT, 'scripts/bench/apps');
const HEALTHY_HOST = 'healthy.noisy';
const ATTACKER_HOST = 'attacker.noisy';

/**
 * The attack classes, one app each in scripts/bench/apps/noisy/<class>/, with the attacker's
 * request rate (per second) and its bound on requests in flight. The rates are low on purpose:
 * the harm must come from what a request does, not from how many there are.
 */
export const ATTACKS = {
  cpu: { rate: 20, connections: 2, what: 'every 10th request loops until its CPU limit' },
  'cpu-toplevel': { rate: 20, connections: 2, what: 'top level spins 900 ms, then exceeds memory (never starts)' },
  timers: { rate: 20, connections: 2, what: 'arms 100,000 setInterval(f, 0) per isolate' },
  crypto: { rate: 20, connections: 4, what: 'PBKDF2 of 1,000,000 iterations per request, RSA 4096 generateKey every 4th' },
  logs: { rate: 2, connections: 1, what: 'console.log of 300 lines of 1 MiB per request' },
  crashloop: { rate: 20, connections: 2, what: 'top level throws after 200 ms of spinning' },
  // The lead covers the first fill (request 50): the one pause of an app moving off the shared
  // thread shows in the row's worst latency, the p99 measures the attack as it goes on.
  memory: { rate: 50, connections: 2, leadMs: 3000, what: 'every 50th request fills its memory limit' },
};

/** How long the attacker runs before the healthy app is measured, unless its class says otherwise. */
const DEFAULT_LEAD_MS = 1000;

const num = (name, fallback, min = 0) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name}=${v}: expected a number >= ${min}`);
  return n;
};

/** Settings from the environment (defaults keep the seven classes under about two minutes). */
function settings() {
  const classes = (process.env.BENCH_NOISY_CLASSES ?? Object.keys(ATTACKS).join(',')).split(',').filter(Boolean);
  const unknown = classes.filter((c) => !(c in ATTACKS));
  if (unknown.length > 0) throw new Error(`BENCH_NOISY_CLASSES: unknown class ${unknown.join(', ')}; known: ${Object.keys(ATTACKS).join(', ')}`);
  return {
    classes,
    connections: num('BENCH_NOISY_CONNECTIONS', 8, 1),
    warmupSeconds: num('BENCH_NOISY_WARMUP_SECONDS', 1),
    aloneSeconds: num('BENCH_NOISY_ALONE_SECONDS', 3, 1),
    attackSeconds: num('BENCH_NOISY_ATTACK_SECONDS', 5, 1),
    // The attacker starts this long before the healthy app is measured, so the measurement sees
    // the attack in its steady state (timers armed, crypto queue full) rather than its start.
    // A class may ask for a longer lead (ATTACKS); the variable overrides every class's.
    leadMs: num('BENCH_NOISY_LEAD_MS', null),
    // Each class runs this many times, each in a fresh server; the row is the median run.
    runs: num('BENCH_NOISY_RUNS', 3, 1),
    // Overrides every class's own rate and in-flight bound when set.
    attackRate: num('BENCH_NOISY_ATTACK_RATE', null, 0.1),
    attackConnections: num('BENCH_NOISY_ATTACK_CONNECTIONS', null, 1),
    // A server past this RSS is killed: the log flood grows today's server by GiBs, and the
    // machine is shared. The row then says so and fails.
    rssCapMiB: num('BENCH_NOISY_RSS_CAP_MIB', 4096),
    serverCpus: process.env.BENCH_NOISY_SERVER_CPUS ?? SERVER_CPU,
    loadCpu: LOAD_CPU,
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const alive = (child) => child.exitCode === null && child.signalCode === null;

function rssOrNull(pid) {
  try {
    return rssMiB(pid);
  } catch {
    return null;
  }
}

/** One GET to the healthy app after the attack: its status, or 'timeout' / the error code. */
function probe(port, host, timeoutMs) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host, connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'Hello World' ? 200 : `${res.statusCode}: ${body.slice(0, 80)}`));
      res.on('error', (err) => resolve(err.code ?? String(err)));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (err) => resolve(err.code ?? String(err)));
    req.end();
  });
}

/**
 * Starts scripts/bench/attacker-load.mjs pinned to the load core for at most `seconds`; `stop()`
 * ends it sooner, and `done` resolves with its JSON figures.
 */
function startAttacker(url, { rate, connections, seconds }) {
  const [cmd, argv] = pinned(LOAD_CPU, NODE, [
    join(ROOT, 'scripts/bench/attacker-load.mjs'),
    '--url', url, '--host', ATTACKER_HOST, '--rate', String(rate), '--connections', String(connections), '--seconds', String(seconds),
  ]);
  const p = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  p.stdin.on('error', () => {});
  const done = new Promise((resolve) => {
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
    const timer = setTimeout(() => p.kill('SIGKILL'), (seconds + 15) * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        resolve({ error: `attacker load generator ended (${code ?? signal}) without figures: ${err.trim()}` });
      }
    });
  });
  return { done, stop: () => p.stdin.end() };
}

/** Samples the server's RSS every 50 ms for the peak, and kills the server past the cap. */
function watchRss(server, capMiB) {
  let peak = rssOrNull(server.pid) ?? 0;
  let killed = false;
  const timer = setInterval(() => {
    const rss = rssOrNull(server.pid);
    if (rss === null) return;
    peak = Math.max(peak, rss);
    if (rss > capMiB && !killed && alive(server.child)) {
      killed = true;
      server.child.kill('SIGKILL');
    }
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return { peak, killed };
    },
  };
}

const failedOf = (r) => r.non2xx + r.socketErrors;

async function runClass(name, set, nanoArgs, writeConfig) {
  const attack = ATTACKS[name];
  const rate = set.attackRate ?? attack.rate;
  const leadMs = set.leadMs ?? attack.leadMs ?? DEFAULT_LEAD_MS;
  const connections = set.attackConnections ?? attack.connections;
  const config = writeConfig([
    { name: 'healthy', path: join(APPS, 'hello'), hostnames: [HEALTHY_HOST] },
    { name: `attacker-${name}`, path: join(APPS, 'noisy', name), hostnames: [ATTACKER_HOST] },
  ]);
  const server = await startServer([...nanoArgs, '--config', config], { cpu: set.serverCpus, drainCpu: set.loadCpu });
  const url = `http://127.0.0.1:${server.port}/`;
  const healthy = (seconds) => loadAsync(url, { host: HEALTHY_HOST, seconds, connections: set.connections });
  let watch = null;
  let attacker = null;
  try {
    if (set.warmupSeconds > 0) await healthy(set.warmupSeconds);
    const alone = await healthy(set.aloneSeconds);
    const rssBefore = rssOrNull(server.pid);
    watch = watchRss(server, set.rssCapMiB);
    // The attacker's own bound is generous (the healthy load generator's start-up comes on top
    // of the lead); it stops as soon as the healthy measurement is over.
    attacker = startAttacker(url, { rate, connections, seconds: leadMs / 1000 + set.attackSeconds + 30 });
    await sleep(leadMs);
    const underAttack = await healthy(set.attackSeconds).catch((err) => ({ error: String(err?.message ?? err) }));
    attacker.stop();
    const atk = await attacker.done;
    const rssAfter = rssOrNull(server.pid);
    const { peak, killed } = watch.stop();
    const after = alive(server.child) ? await probe(server.port, HEALTHY_HOST, 3000) : 'server gone';
    const serverAlive = alive(server.child);
    const row = {
      attack: attack.what,
      leadMs,
      loadTool: alone.tool,
      healthyAloneP50Ms: alone.p50,
      healthyAloneP99Ms: alone.p99,
      healthyAloneMaxMs: alone.max,
      healthyAloneRps: round(alone.rps, 0),
      healthyAloneFailed: failedOf(alone),
    };
    if ('error' in underAttack) {
      row.healthyUnderAttack = underAttack;
    } else {
      // A healthy app that answered nothing in the window has no latency figures (the load
      // generator counts only answered requests): null, and the row fails.
      const answered = underAttack.requests > 0;
      // autocannon reports whole milliseconds (wrk microseconds): an alone p99 below that counts
      // as the resolution, so a 0 ms reading gives a ratio rather than a division by zero.
      const resolution = alone.tool === 'autocannon' ? 1 : 0.001;
      Object.assign(row, {
        healthyAttackP50Ms: answered ? underAttack.p50 : null,
        healthyAttackP99Ms: answered ? underAttack.p99 : null,
        healthyAttackMaxMs: answered ? underAttack.max : null,
        p99Ratio: answered ? round(underAttack.p99 / Math.max(alone.p99, resolution), 1) : null,
        healthyAttackRps: round(underAttack.rps, 0),
        healthyAttackRequests: underAttack.requests,
        healthyFailed: failedOf(underAttack),
      });
    }
    Object.assign(row, {
      healthyAfterAttack: after,
      attacker: { rate, connections, ...atk },
      rssBeforeMiB: rssBefore === null ? null : round(rssBefore, 0),
      rssAfterMiB: rssAfter === null ? null : round(rssAfter, 0),
      rssPeakMiB: round(peak, 0),
      serverAlive,
    });
    if (killed) row.killedByBench = `RSS passed BENCH_NOISY_RSS_CAP_MIB=${set.rssCapMiB}`;
    if (!serverAlive) row.serverStderrTail = server.stderr().slice(-600);
    row.pass = !('error' in underAttack) && underAttack.requests > 0 && row.p99Ratio !== null && row.p99Ratio <= 2 && row.healthyFailed === 0 && serverAlive && after === 200;
    return row;
  } finally {
    watch?.stop();
    attacker?.stop();
    await server.stop(2000);
  }
}

/**
 * The run with the median p99 ratio (a run without one, or that failed otherwise, counts as the
 * worst), with every run's ratio beside it: one run on a shared machine can be spoiled either way.
 */
function medianRun(runs) {
  const key = (r) => (r.error === undefined && typeof r.p99Ratio === 'number' && r.serverAlive ? r.p99Ratio : Infinity);
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  // A healthy request that failed, or a server that died, in any run fails the class.
  const sound = runs.every((r) => r.error === undefined && r.healthyFailed === 0 && r.serverAlive && r.healthyAfterAttack === 200);
  return { ...median, pass: median.pass === true && sound, p99Ratios: runs.map((r) => (key(r) === Infinity ? null : r.p99Ratio)) };
}

const statusText = (atk) => {
  if (atk.error !== undefined) return 'no figures';
  const parts = Object.entries(atk.statuses ?? {}).map(([k, v]) => `${k}:${v}`);
  for (const [k, v] of Object.entries(atk.errors ?? {})) parts.push(`${k}:${v}`);
  if (atk.timeouts > 0) parts.push(`timeout:${atk.timeouts}`);
  if (atk.unfinished > 0) parts.push(`open:${atk.unfinished}`);
  return parts.join(' ') || 'none';
};

function printTable(rows) {
  const head = ['class', 'p99 alone', 'p99 attack', 'ratio', 'ratio of each run', 'max attack', 'req/s alone→attack', 'failed', 'attacker req/s', 'attacker statuses', 'RSS MiB before→after (peak)', 'alive'];
  const lines = Object.entries(rows).map(([name, r]) =>
    r.error !== undefined
      ? [name, `error: ${r.error.split('\n')[0].slice(0, 120)}`]
      : [
          name,
          `${r.healthyAloneP99Ms} ms`,
          r.healthyAttackRequests === 0 ? 'none answered' : r.healthyAttackP99Ms === undefined ? 'n/a' : `${r.healthyAttackP99Ms} ms`,
          r.healthyAttackRequests === 0 ? '∞' : r.p99Ratio === undefined || r.p99Ratio === null ? 'n/a' : `${r.p99Ratio}×`,
          (r.p99Ratios ?? []).map((x) => (x === null ? '∞' : `${x}×`)).join(' '),
          r.healthyAttackMaxMs === undefined || r.healthyAttackMaxMs === null ? 'n/a' : `${round(r.healthyAttackMaxMs, 1)} ms`,
          `${r.healthyAloneRps}→${r.healthyAttackRps ?? 'n/a'}`,
          String(r.healthyFailed ?? 'n/a'),
          String(r.attacker.rps ?? 'n/a'),
          statusText(r.attacker),
          `${r.rssBeforeMiB ?? '?'}→${r.rssAfterMiB ?? 'gone'} (${r.rssPeakMiB})`,
          `${r.serverAlive ? 'yes' : 'NO'}${r.killedByBench ? ' (killed at RSS cap)' : ''}${r.healthyAfterAttack !== 200 ? `, after: ${r.healthyAfterAttack}` : ''}`,
        ],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...lines.filter((l) => l.length > 2).map((l) => String(l[i]).length)));
  const fmt = (cells) => (cells.length === 2 ? `${cells[0].padEnd(widths[0])}  ${cells[1]}` : cells.map((c, i) => String(c).padEnd(widths[i])).join('  '));
  console.log(`\n${fmt(head)}`);
  for (const l of lines) console.log(fmt(l));
}

/**
 * The bench. `nanoArgs` starts `nano serve` on port 0 with JSON logs; `writeConfig(apps)` writes a
 * nano.json to a temp dir and returns its path (both from run.mjs).
 */
export async function benchNoisyNeighbour(nanoArgs, writeConfig) {
  const set = settings();
  const rows = {};
  for (const name of set.classes) {
    const runs = [];
    for (let i = 0; i < set.runs; i++) {
      try {
        runs.push(await runClass(name, set, nanoArgs, writeConfig));
      } catch (err) {
        runs.push({ attack: ATTACKS[name].what, error: String(err?.message ?? err), pass: false });
      }
    }
    rows[name] = medianRun(runs);
  }
  printTable(rows);
  const { classes, ...knobs } = set;
  return {
    target: 'per class: healthy p99 under attack <= 2x alone, 0 failed healthy requests, server alive and answering after',
    pass: Object.values(rows).every((r) => r.pass === true),
    settings: knobs,
    classes: rows,
  };
}
