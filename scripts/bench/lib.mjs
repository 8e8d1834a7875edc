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

/** Starts a server that prints a JSON line with event "listening" and a port; resolves once it does. */
export function startServer(args, { cpu = SERVER_CPU, env = {} } = {}) {
  const [cmd, argv] = pinned(cpu, NODE, ['--no-node-snapshot', ...args]);
  const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, NANO_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line !== undefined) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        const port = JSON.parse(line).port;
        // startupLog: every line printed up to "listening" (build and load events included).
        resolve({ child, port, pid: child.pid, stop: () => stopChild(child), startupLog: out });
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
}

export function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
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

/** Runs wrk against url with the Host header; returns { rps, p50, p99 } (ms). */
export function load(url, { host = 'localhost', seconds = 5, connections = 64 } = {}) {
  if (hasCommand('wrk')) {
    const [cmd, argv] = pinned(LOAD_CPU, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', `Host: ${host}`, url]);
    const text = execFileSync(cmd, argv, { encoding: 'utf8' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0);
    const ms = (label) => {
      const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
      if (!m) return NaN;
      const v = Number(m[1]);
      return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
    };
    const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
    return { rps, p50: ms('50'), p99: ms('99'), non2xx: errors ? Number(errors[1]) : 0, socketErrors: socketErrors ? socketErrors.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0, tool: 'wrk' };
  }
  const [cmd, argv] = pinned(LOAD_CPU, NODE, [`${ROOT}node_modules/autocannon/autocannon.js`, '-j', '-c', String(connections), '-d', String(seconds), '-H', `Host=${host}`, url]);
  const r = JSON.parse(execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, socketErrors: r.errors, tool: 'autocannon' };
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
