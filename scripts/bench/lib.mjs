// Shared pieces of `npm run bench`: start pinned server processes, read their RSS, drive load
// with wrk (or autocannon when wrk is missing) from the other core, and take medians.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NODE = process.execPath;
const cpus = Number(execFileSync('nproc').toString().trim());
/** Server on core 0, load generator on core 1 (when there are two cores or more). */
export const SERVER_CPU = '0';
export const LOAD_CPU = cpus > 1 ? '1' : '0';

export function hasCommand(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const TASKSET = hasCommand('taskset');

export function pinned(cpu, cmd, args) {
  return TASKSET ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args];
}

/**
 * Starts a server that prints a JSON line with event "listening" and a port; resolves once it does.
 * With `drainCpu`, the server's stdout goes straight to a `grep` pinned to that core, which passes
 * on only the "listening" line: a server that logs hundreds of MiB (the log-flood attack) is read
 * at pipe speed without this process, or the server's core, doing the reading.
 */
export function startServer(args, { cpu = SERVER_CPU, env = {}, drainCpu } = {}) {
  const [cmd, argv] = pinned(cpu, NODE, ['--no-node-snapshot', ...args]);
  let drain = null;
  if (drainCpu !== undefined) {
    const [dcmd, dargv] = pinned(drainCpu, 'grep', ['--line-buffered', '-F', '"listening"']);
    drain = spawn(dcmd, dargv, { stdio: ['pipe', 'pipe', 'ignore'] });
  }
  const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, NANO_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', drain?.stdin ?? 'pipe', 'pipe'] });
  // The server holds its own copy of the drain's input now; ours would keep grep from seeing EOF.
  drain?.stdin.destroy();
  const stdout = drain?.stdout ?? child.stdout;
  let out = '';
  let err = '';
  // The last 64 KiB only: a server dying under attack may write a lot before it goes.
  child.stderr.on('data', (d) => (err = (err + d).slice(-65536)));
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line !== undefined) {
        stdout.off('data', onData);
        stdout.resume();
        const port = JSON.parse(line).port;
        const stop = async (killAfterMs) => {
          await stopChild(child, killAfterMs);
          if (drain !== null) await stopChild(drain, 1000);
        };
        // startupLog: every line printed up to "listening" (build and load events included).
        resolve({ child, port, pid: child.pid, stop, stderr: () => err, startupLog: out });
      }
    };
    stdout.on('data', onData);
    child.on('exit', (code) => {
      if (drain !== null) stopChild(drain, 1000);
      reject(new Error(`server exited (${code}) before listening: ${err}`));
    });
  });
}

export function stopChild(child, killAfterMs = 10_000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
  });
}

/** VmRSS of a process and, when a taskset wrapper sits between, of its single child. */
export function rssMiB(pid) {
  const read = (p) => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  };
  return read(pid);
}

/** The load generator's command for url with the Host header, and the parser of its output. */
function loadCommand(url, { host = 'localhost', seconds = 5, connections = 64 } = {}) {
  if (hasCommand('wrk')) {
    const [cmd, argv] = pinned(LOAD_CPU, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', `Host: ${host}`, url]);
    return { cmd, argv, parse: parseWrk };
  }
  const [cmd, argv] = pinned(LOAD_CPU, NODE, [`${ROOT}node_modules/autocannon/autocannon.js`, '-j', '-c', String(connections), '-d', String(seconds), '-H', `Host=${host}`, url]);
  return { cmd, argv, parse: parseAutocannon };
}

function parseWrk(text) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0);
  const ms = (label) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? 0);
  // "Latency   635.91us  0.89ms  12.92ms  93.27%": average, stdev, max.
  const maxMatch = /Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(text);
  const max = maxMatch ? Number(maxMatch[1]) * (maxMatch[2] === 'us' ? 0.001 : maxMatch[2] === 's' ? 1000 : 1) : NaN;
  return { rps, p50: ms('50'), p99: ms('99'), max, requests, non2xx: errors ? Number(errors[1]) : 0, socketErrors: socketErrors ? socketErrors.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0, tool: 'wrk' };
}

function parseAutocannon(text) {
  const r = JSON.parse(text);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, requests: r.requests.total, non2xx: r.non2xx, socketErrors: r.errors, tool: 'autocannon' };
}

/** Runs wrk (or autocannon) against url with the Host header; returns { rps, p50, p99 } (ms). */
export function load(url, opts = {}) {
  const { cmd, argv, parse } = loadCommand(url, opts);
  return parse(execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}

/**
 * `load` without blocking this process, so another load generator can run beside it. The load
 * generator is killed if it outlives its duration by `graceMs` (a server that stopped answering).
 */
export function loadAsync(url, opts = {}, { graceMs = 20_000 } = {}) {
  const { cmd, argv, parse } = loadCommand(url, opts);
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), (opts.seconds ?? 5) * 1000 + graceMs);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(parse(text));
      } catch {
        reject(new Error(`load generator ended (${code ?? signal}) without figures`));
      }
    });
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function assertQuiet() {
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  if (load > 0.7) console.warn(`warning: load average ${load}: another process is busy; figures may be spoiled`);
  return load;
}

export { existsSync };
