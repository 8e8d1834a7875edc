// `npm run bench workers`: `nano serve --workers N`. Hello and a CPU-bound app at 1 and 2 workers
// (requests/s and server CPU per request, supervisor and workers together), the failover time
// after a SIGKILL of one worker, and the RSS of 2 workers against 1 with 1,000 apps each hosted
// by every worker. On a 2-core machine the server gets both cores and shares one with wrk.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, Agent } from 'node:http';
import { ROOT, startServer, load, median, round, rssMiB } from './lib.mjs';

/** The process and its children (the supervisor's workers). */
function tree(pid) {
  let kids = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone
  }
  return [pid, ...kids];
}

/** CPU seconds (user + system) used so far by the process and its live children. */
function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of tree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / 100;
}

const treeRssMiB = (pid) => tree(pid).reduce((a, p) => a + rssMiB(p), 0);

/** One request; 0 on an error or after 5 s without an answer (a connection handed to a worker as it died hangs). */
function get(port, host, agent) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function throughput(nano, writeConfig, app, workers, seconds) {
  const config = writeConfig([{ name: app, path: join(ROOT, `scripts/bench/apps/${app}`) }]);
  const s = await startServer([...nano, '--config', config, '--workers', String(workers)], { cpu: '0,1' });
  const url = `http://127.0.0.1:${s.port}/`;
  load(url, { seconds: 1 });
  const cpu0 = cpuSeconds(s.pid);
  const r = load(url, { seconds });
  const cpu = cpuSeconds(s.pid) - cpu0;
  await s.stop();
  return { rps: r.rps, cpuMsPerRequest: (cpu * 1000) / Math.max(1, r.requests), failed: r.non2xx + r.socketErrors };
}

/** SIGKILL one of 2 workers while a probe sends a request every 2 ms: time until its replacement listens. */
async function failover(nano, writeConfig) {
  const s = await startServer([...nano, '--config', writeConfig([{ name: 'hello', path: join(ROOT, 'scripts/bench/apps/hello') }]), '--workers', '2'], { cpu: '0,1' });
  let out = '';
  s.child.stdout.on('data', (d) => (out += d));
  const victim = tree(s.pid)[1];
  let failed = 0;
  let sent = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      sent++;
      if ((await get(s.port, 'hello', false)) !== 200) failed++;
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  const killedAt = Date.now();
  process.kill(victim, 'SIGKILL');
  while (!out.includes('"worker_replaced"') && Date.now() - killedAt < 30_000) await new Promise((r) => setTimeout(r, 10));
  const line = out.split('\n').find((l) => l.includes('"worker_replaced"'));
  const backMs = line === undefined ? NaN : Date.parse(JSON.parse(line).time) - killedAt;
  probing = false;
  await probe;
  await s.stop();
  return { backMs, probeRequests: sent, probeFailed: failed };
}

/** RSS of the whole process tree before and after every worker served each of `n` apps once. */
async function density(nano, writeConfig, workers, n) {
  const apps = Array.from({ length: n }, (_, i) => ({ name: `d${i}`, path: join(ROOT, 'scripts/bench/apps/hello'), hostnames: [`d${i}.bench`] }));
  const s = await startServer([...nano, '--config', writeConfig(apps, { idleEvictMs: 600_000 }), '--workers', String(workers)], { cpu: '0,1' });
  const baseline = treeRssMiB(s.pid);
  // One connection per worker, opened in turn: node:cluster hands consecutive connections to the
  // workers in turn, so every app is served by every worker.
  const agents = [];
  for (let w = 0; w < workers; w++) {
    const a = new Agent({ keepAlive: true, maxSockets: 1 });
    await get(s.port, 'd0.bench', a);
    agents.push(a);
  }
  for (let i = 0; i < n; i++) await Promise.all(agents.map((a) => get(s.port, `d${i}.bench`, a)));
  await new Promise((r) => setTimeout(r, 3000));
  const served = treeRssMiB(s.pid);
  for (const a of agents) a.destroy();
  await s.stop();
  return { baselineRssMiB: round(baseline, 0), servedRssMiB: round(served, 0) };
}

export async function benchWorkers(nano, writeConfig) {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const out = {};
  for (const app of ['hello', 'cpu']) {
    for (const workers of [1, 2]) {
      const rs = [];
      for (let i = 0; i < runs; i++) rs.push(await throughput(nano, writeConfig, app, workers, seconds));
      const key = `${app}${workers}w`;
      out[key] = { rps: round(median(rs.map((r) => r.rps)), 0), cpuMsPerRequest: round(median(rs.map((r) => r.cpuMsPerRequest)), 3), failed: rs.reduce((a, r) => a + r.failed, 0) };
      console.error(`  ${key}: ${JSON.stringify(out[key])}`);
    }
  }
  out.failover = await failover(nano, writeConfig);
  console.error(`  failover: ${JSON.stringify(out.failover)}`);
  const n = Number(process.env.BENCH_DENSITY_APPS ?? 1000);
  out.density = { apps: n, oneWorker: await density(nano, writeConfig, 1, n), twoWorkers: await density(nano, writeConfig, 2, n) };
  out.density.ratio = round(out.density.twoWorkers.servedRssMiB / out.density.oneWorker.servedRssMiB);
  out.helloScaling = round(out.hello2w.rps / out.hello1w.rps);
  out.cpuScaling = round(out.cpu2w.rps / out.cpu1w.rps);
  out.note = 'the server gets both cores and shares one with the load generator';
  return out;
}
