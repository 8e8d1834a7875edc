// Test harness: starts a real `nano serve` child on port 0, waits for its machine-readable
// "listening" log line, and offers request helpers and a clean stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'bin/nano.js');

export interface Served {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Every log line (parsed JSON) the child printed so far. */
  readonly logs: Record<string, unknown>[];
  readonly stderr: () => string;
  /** Everything the child wrote to stdout, raw (tests grep it for values that must not appear). */
  readonly stdout: () => string;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/**
 * Servers must not outlive their test process: tap ends a test that times out with SIGTERM, which
 * skips 'exit' handlers, and the server would be left running (seen after timed-out runs).
 */
const children = new Set<ChildProcess>();
let guarded = false;
function orphanGuard(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (guarded) return;
  guarded = true;
  const killAll = (): void => {
    for (const c of children) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      killAll();
      process.kill(process.pid, sig);
    });
  }
}

/**
 * The environment a test server starts with: what Node, the shell and tap's coverage need, and
 * none of the caller's NANO_* settings (an admin token set in the developer's shell would make
 * every test server bind the admin port, and parallel test files collide on it).
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PATH|HOME|TMPDIR|TMP|TEMP|LANG|LC_[A-Z]+|TZ|NODE_OPTIONS|NODE_V8_COVERAGE|TAP|TAP_.*|_TAPJS_.*)$/.test(k)) kept[k] = v;
  }
  return { ...kept, ...extra };
}

/** `listenTimeoutMs`: how long the start may take (a supervisor starts several processes). */
export async function serve(args: string[], env: NodeJS.ProcessEnv = {}, listenTimeoutMs = 15_000): Promise<Served> {
  const child = spawn(process.execPath, ['--no-node-snapshot', BIN, 'serve', '--port', '0', '--log-format', 'json', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  orphanGuard(child);
  const logs: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let err = '';
  let out = '';
  let buf = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    out += d;
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const l = JSON.parse(line) as Record<string, unknown>;
        logs.push(l);
        for (const w of [...waiters]) {
          if (w.pred(l)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(l);
          }
        }
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (err += d));
  // 'close', not 'exit': the child's stdout is read to its end by then, so every log line it wrote is in `logs`.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const waitForLog = (pred: (l: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> => {
    const found = logs.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      // The last lines say what happened instead.
      const last = (): string => logs.slice(-8).map((l) => JSON.stringify(l).slice(0, 400)).join('\n  ');
      const t = setTimeout(() => reject(new Error(`log line not seen in ${timeoutMs} ms; last lines:\n  ${last()}\nstderr: ${err}`)), timeoutMs);
      waiters.push({ pred, resolve: (l) => { clearTimeout(t); resolve(l); } });
      void exited.then(() => { clearTimeout(t); reject(new Error(`nano exited before the log line; stderr: ${err}`)); });
    });
  };
  // A server that did not come up in time is killed, or it would keep the test process alive.
  const listening = await waitForLog((l) => l.event === 'listening', listenTimeoutMs).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const port = Number(listening.port);
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    stderr: () => err,
    stdout: () => out,
    waitForLog,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface Reply {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** One HTTP request over 127.0.0.1 with a chosen Host header. */
export function fetchRaw(port: number, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: opts.host ?? 'localhost', ...opts.headers }, agent: false },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    // A server may answer (413) and close while the upload is still being written: an EPIPE then
    // is expected, so a write error only fails the request if no response arrives shortly after.
    req.on('error', (err) => setTimeout(() => responded || reject(err), 500));
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

/** Writes files into a fresh temp directory: { 'a/index.js': '...' } → its path. */
export function tempTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nano-test-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}
