// `npm run bench`: NANO's speed and memory targets, each measured as a ratio against a baseline
// taken in the same run. Prints a table and writes bench-results/<date>.json and latest.json.
// Run it on a quiet machine: server on core 0, load generator on core 1, medians of several runs.
import { mkdirSync, writeFileSync, mkdtempSync, readFileSync, cpSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'node:http';
import { ROOT, startServer, load, median, round, rssMiB, assertQuiet, LOAD_CPU, pinned } from './lib.mjs';
import { benchNoisyNeighbour } from './noisy-neighbour.mjs';
import { benchWorkers } from './workers.mjs';

const only = new Set(process.argv.slice(2));
const want = (name) => only.size === 0 || only.has(name);
const results = { when: new Date().toISOString(), node: process.version, loadavg: assertQuiet(), benches: {} };
// Through bin/nano.js, so the server runs with the Node flags users get.
const NANO = [join(ROOT, 'bin/nano.js'), 'serve', '--port', '0', '--log-format', 'json'];

function writeConfig(apps, defaults = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nano-bench-'));
  const file = join(dir, 'nano.json');
  writeFileSync(file, JSON.stringify({ defaults: { idleEvictMs: 0, ...defaults }, apps }));
  return file;
}

function get(port, host, agent) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - start }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function benchHello() {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const bare = [];
  const nano = [];
  for (let i = 0; i < runs; i++) {
    const b = await startServer([join(ROOT, 'scripts/bench/bare-server.mjs')]);
    load(`http://127.0.0.1:${b.port}/`, { seconds: 1 });
    bare.push(load(`http://127.0.0.1:${b.port}/`, { seconds }));
    await b.stop();
    const n = await startServer([...NANO, '--app', join(ROOT, 'scripts/bench/apps/hello')]);
    load(`http://127.0.0.1:${n.port}/`, { seconds: 1 });
    nano.push(load(`http://127.0.0.1:${n.port}/`, { seconds }));
    await n.stop();
  }
  const bareRps = median(bare.map((r) => r.rps));
  const nanoRps = median(nano.map((r) => r.rps));
  return {
    tool: bare[0].tool,
    bareRps: round(bareRps, 0),
    nanoRps: round(nanoRps, 0),
    ratio: round(nanoRps / bareRps),
    target: '>= 0.8',
    pass: nanoRps / bareRps >= 0.8,
    bareP99ms: round(median(bare.map((r) => r.p99))),
    nanoP99ms: round(median(nano.map((r) => r.p99))),
    failed: nano.reduce((a, r) => a + r.non2xx + r.socketErrors, 0),
    runs: { bare: bare.map((r) => round(r.rps, 0)), nano: nano.map((r) => round(r.rps, 0)) },
  };
}

/** First-request (cold) and second-request (warm) times of `n` apps that share one app path. */
async function coldStarts(path, env = {}, n = 200) {
  const apps = Array.from({ length: n }, (_, i) => ({ name: `a${i}`, path, hostnames: [`a${i}.bench`] }));
  const s = await startServer([...NANO, '--config', writeConfig(apps)], { env });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  await get(s.port, 'a0.bench', agent); // the first isolate also compiles the runtime's code cache
  const cold = [];
  const warm = [];
  for (let i = 1; i < n; i++) {
    cold.push((await get(s.port, `a${i}.bench`, agent)).ms);
    warm.push((await get(s.port, `a${i}.bench`, agent)).ms);
  }
  agent.destroy();
  await s.stop();
  return { n, cold, warm };
}

async function benchColdStart() {
  const { n, cold, warm } = await coldStarts(join(ROOT, 'scripts/bench/apps/hello'));
  const c = median(cold);
  const w = median(warm);
  return { apps: n, coldMs: round(c), warmMs: round(w), ratioToWarm: round(c / w, 1), p90ColdMs: round(cold.sort((a, b) => a - b)[Math.floor(cold.length * 0.9)]), target: '< 5 ms', pass: c < 5 };
}

/**
 * A Workers project whose bundle is cached against the plain JS hello app, in the same run (target:
 * within 10%), and the time to first build of the Hono test fixture (a fresh cache each time).
 */
async function benchProjectColdStart() {
  const env = { NANO_CACHE_DIR: mkdtempSync(join(tmpdir(), 'nano-bench-cache-')) };
  const project = join(ROOT, 'scripts/bench/apps/hello-ts');
  // One start builds the bundle and caches it; the measured start below loads it from the cache.
  await (await startServer([...NANO, '--app', project], { env })).stop();
  const plain = await coldStarts(join(ROOT, 'scripts/bench/apps/hello'));
  const built = await coldStarts(project, env);
  if (built.cold.length === 0) throw new Error('no cold starts measured');
  const ratio = median(built.cold) / median(plain.cold);
  const honoBuildMs = [];
  for (let i = 0; i < 3; i++) {
    const dir = join(mkdtempSync(join(tmpdir(), 'nano-bench-hono-')), 'hono-ts');
    cpSync(join(ROOT, 'test/fixtures/projects/hono-ts'), dir, { recursive: true });
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules/hono'), join(dir, 'node_modules/hono'), 'dir');
    const s = await startServer([...NANO, '--app', dir], { env: { NANO_CACHE_DIR: mkdtempSync(join(tmpdir(), 'nano-bench-cache-')) } });
    const line = s.startupLog.split('\n').find((l) => l.includes('"app_built"'));
    await s.stop();
    if (line === undefined) throw new Error('the Hono project was not built');
    honoBuildMs.push(JSON.parse(line).ms);
  }
  return {
    plainColdMs: round(median(plain.cold)),
    projectColdMs: round(median(built.cold)),
    ratio: round(ratio),
    target: '<= 1.1',
    pass: ratio <= 1.1,
    honoFirstBuildMs: round(median(honoBuildMs)),
  };
}

async function benchDensity() {
  const n = Number(process.env.BENCH_DENSITY_APPS ?? 1000);
  // Longer than serving all apps takes (~5 s), so every isolate is alive when "served" is read:
  // an app evicted early would hand its pages to the next isolate and understate the figure.
  const idleEvictMs = 20_000;
  const apps = Array.from({ length: n }, (_, i) => ({ name: `d${i}`, path: join(ROOT, 'scripts/bench/apps/hello'), hostnames: [`d${i}.bench`] }));
  const s = await startServer([...NANO, '--config', writeConfig(apps, { idleEvictMs })], { cpu: '0,1' });
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const baseline = rssMiB(s.pid);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 8) await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, k) => get(s.port, `d${i + k}.bench`, agent)));
  const serveAllMs = performance.now() - t0;
  const served = rssMiB(s.pid);
  // Idle apps get a memory-reducing GC of their isolate 100 ms after their last request
  // (AppInstance.compactIfIdle), most of them while the others are still being served; read again
  // once glibc's freed memory was returned after them, well before idle eviction.
  const settledAfterMs = Number(process.env.BENCH_SETTLE_MS ?? 10_000);
  await new Promise((r) => setTimeout(r, settledAfterMs));
  const settled = rssMiB(s.pid);
  // Idle eviction: wait past idleEvictMs plus a sweep (at most 1 s); V8 releases a disposed
  // isolate's pooled pages 8 s after teardown, and NANO trims malloc's free lists 1 s after that.
  const settleMs = idleEvictMs + 5000 + 12_000;
  await new Promise((r) => setTimeout(r, settleMs - settledAfterMs));
  const evicted = rssMiB(s.pid);
  const again = await get(s.port, `d${n - 1}.bench`, agent);
  agent.destroy();
  await s.stop();
  // The floor in the same run: as many bare isolated-vm isolates, each with a context and a hello
  // module, in one process with the same Node flags (scripts/bench/bare-isolates.mjs).
  const { execFileSync } = await import('node:child_process');
  const [cmd, argv] = pinned('0', process.execPath, ['--no-node-snapshot', '--max-semi-space-size=1', join(ROOT, 'scripts/bench/bare-isolates.mjs'), String(n)]);
  const floor = JSON.parse(execFileSync(cmd, argv, { encoding: 'utf8' }).trim().split('\n').pop());
  return {
    apps: n,
    baselineRssMiB: round(baseline, 0),
    servedRssMiB: round(served, 0),
    perAppMiB: round((served - baseline) / n),
    settledRssMiB: round(settled, 0),
    settledMeasuredAtMs: settledAfterMs,
    settledPerAppMiB: round((settled - baseline) / n),
    bareIsolatesRssMiB: round(floor.rssMiB, 0),
    bareIsolatePerAppMiB: round((floor.rssMiB - floor.baselineRssMiB) / n),
    servedRatioToBareIsolates: round(served / floor.rssMiB),
    afterEvictionRssMiB: round(evicted, 0),
    afterEvictionMeasuredAtMs: settleMs,
    answersAfterEviction: again.status === 200,
    serveAllSeconds: round(serveAllMs / 1000, 1),
    target: '<= 1536 MiB served (right after serving and settled), < 400 MiB after eviction',
    pass: served <= 1536 && settled <= 1536 && evicted < 400 && again.status === 200,
  };
}

async function benchCpuParallel() {
  const apps = [1, 2].map((i) => ({ name: `cpu${i}`, path: join(ROOT, 'scripts/bench/apps/cpu'), hostnames: [`cpu${i}.bench`] }));
  const s = await startServer([...NANO, '--config', writeConfig(apps)], { cpu: '0,1' });
  const url = `http://127.0.0.1:${s.port}/`;
  load(url, { host: 'cpu1.bench', seconds: 2, connections: 4 });
  load(url, { host: 'cpu2.bench', seconds: 2, connections: 4 });
  const one = load(url, { host: 'cpu1.bench', seconds: 5, connections: 4 }).rps;
  // Both apps at once: two load generators in parallel (child processes).
  const { spawn } = await import('node:child_process');
  const both = await Promise.all(
    ['cpu1.bench', 'cpu2.bench'].map(
      (host) =>
        new Promise((resolve) => {
          const p = spawn(process.execPath, ['-e', `import('${join(ROOT, 'scripts/bench/lib.mjs')}').then(m => console.log(JSON.stringify(m.load('${url}', { host: '${host}', seconds: 5, connections: 4 }))))`], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          p.stdout.on('data', (d) => (out += d));
          p.on('exit', () => resolve(JSON.parse(out).rps));
        }),
    ),
  );
  await s.stop();
  const total = both[0] + both[1];
  return { oneAppRps: round(one, 0), twoAppsRps: round(total, 0), ratio: round(total / one), target: '>= 1.7', pass: total / one >= 1.7, note: `load generators share core ${LOAD_CPU} with the server's second isolate thread` };
}

/** Runs curl on the load core while sampling the server's RSS; resolves { bytes, seconds, peakRssMiB }. */
async function transfer(pid, args) {
  const { spawn } = await import('node:child_process');
  const [cmd, argv] = pinned(LOAD_CPU, 'curl', ['-s', '-o', '/dev/null', '-w', '%{size_download} %{size_upload} %{time_total}', ...args]);
  let peak = rssMiB(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 20);
  const out = await new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`curl exited ${code}`))));
  });
  clearInterval(sampler);
  const [down, up, secs] = out.trim().split(' ').map(Number);
  return { bytes: Math.max(down, up), seconds: secs, peakRssMiB: peak };
}

async function benchStreaming() {
  const GiB = 1 << 30;
  const upload = join(mkdtempSync(join(tmpdir(), 'nano-bench-')), 'upload.bin');
  writeFileSync(upload, Buffer.alloc(100 << 20, 7));
  // Transfers per server: a 1 GiB download lasts about 0.3 s, a 100 MiB echo about 0.1 s, so the
  // echo gets more of them. Warm-up transfers are not counted: both servers speed up over their
  // first few (JIT, socket buffers); the ratio is of steady state.
  const runs = Number(process.env.BENCH_STREAM_RUNS ?? 9);
  const echoRuns = Number(process.env.BENCH_ECHO_RUNS ?? 21);
  const servers = { bare: [join(ROOT, 'scripts/bench/bare-stream-server.mjs')], nano: [...NANO, '--app', join(ROOT, 'scripts/bench/apps/stream')] };
  // Each scenario gets a fresh bare and a fresh NANO server (so each peak RSS is its own
  // scenario's), and their transfers alternate: this VM's speed drifts within seconds, and
  // back-to-back blocks of one server then the other let the drift decide the ratio.
  const scenario = async (warm, job, { warmups = 1, count = runs } = {}) => {
    const bare = await startServer(servers.bare);
    const nano = await startServer(servers.nano);
    const base = (s) => `http://127.0.0.1:${s.port}`;
    const xs = { bare: [], nano: [] };
    for (let i = 0; i < warmups; i++) {
      await transfer(bare.pid, warm(base(bare)));
      await transfer(nano.pid, warm(base(nano)));
    }
    for (let i = 0; i < count; i++) {
      xs.bare.push(await transfer(bare.pid, job(base(bare))));
      xs.nano.push(await transfer(nano.pid, job(base(nano))));
    }
    await bare.stop();
    await nano.stop();
    return xs;
  };
  // Both servers do the same work per 64 KiB chunk (scripts/bench/apps/stream/index.js): write
  // one buffer again and again, or (fresh) a new copy of it each time.
  const down = await scenario((base) => [`${base}/?n=${64 << 20}`], (base) => [`${base}/?n=${GiB}`]);
  const downFresh = await scenario((base) => [`${base}/?fresh&n=${64 << 20}`], (base) => [`${base}/?fresh&n=${GiB}`]);
  const echoArgs = (base) => ['-X', 'POST', '--upload-file', upload, '-H', 'content-type: application/octet-stream', `${base}/echo`];
  const echo = await scenario(echoArgs, echoArgs, { warmups: 5, count: echoRuns });
  const rate = (xs) => median(xs.map((x) => x.bytes / x.seconds / 1e6));
  const peak = (xs) => Math.max(...xs.map((x) => x.peakRssMiB));
  const figures = (xs) => {
    const b = rate(xs.bare);
    const n = rate(xs.nano);
    return {
      bareMBs: round(b, 0),
      nanoMBs: round(n, 0),
      ratio: round(n / b),
      bareRssMiB: round(peak(xs.bare), 0),
      nanoPeakRssMiB: round(peak(xs.nano), 0),
      target: 'ratio >= 0.8, RSS < 150 MiB',
      pass: n / b >= 0.8 && peak(xs.nano) < 150,
      runs: { bare: xs.bare.map((x) => round(x.bytes / x.seconds / 1e6, 0)), nano: xs.nano.map((x) => round(x.bytes / x.seconds / 1e6, 0)) },
    };
  };
  return { download1GiB: figures(down), download1GiBFreshChunks: figures(downFresh), echo100MiB: figures(echo) };
}

async function benchLifecycle() {
  const { execFileSync } = await import('node:child_process');
  const out = join(ROOT, 'bench-results/lifecycle.json');
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  execFileSync(process.execPath, ['--no-node-snapshot', join(ROOT, 'scripts/bench/lifecycle.mjs'), '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  const r = JSON.parse(readFileSync(out, 'utf8'));
  const total = Object.values(r.failed).reduce((a, b) => a + b, 0);
  return { failedRequests: r.failed, requests: Object.fromEntries(r.scenarios.map((s) => [s.scenario, s.requests])), target: '0 failed', pass: total === 0 };
}

const benches = [
  ['hello', benchHello],
  ['coldStart', benchColdStart],
  ['projectColdStart', benchProjectColdStart],
  ['density', benchDensity],
  ['cpuParallel', benchCpuParallel],
  ['streaming', benchStreaming],
  ['lifecycle', benchLifecycle],
  ['noisyNeighbour', () => benchNoisyNeighbour(NANO, writeConfig)],
  ['workers', () => benchWorkers(NANO, writeConfig)],
];
for (const [name, fn] of benches) {
  if (!want(name)) continue;
  process.stdout.write(`${name} … `);
  try {
    results.benches[name] = await fn();
    console.log(JSON.stringify(results.benches[name]));
  } catch (err) {
    results.benches[name] = { error: String(err?.stack ?? err) };
    console.log(`failed: ${err}`);
  }
}

mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
const stamp = results.when.replace(/[:.]/g, '-');
writeFileSync(join(ROOT, `bench-results/${stamp}.json`), JSON.stringify(results, null, 2));
writeFileSync(join(ROOT, 'bench-results/latest.json'), JSON.stringify(results, null, 2));
console.log(`\nwritten bench-results/latest.json`);
