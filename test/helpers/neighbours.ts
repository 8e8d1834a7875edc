// Harness of the security tests: a real `nano serve` child with attacker apps (sources given by
// the test) beside a healthy neighbour app, plus what every such test checks: the process lives,
// the neighbour answers correctly during and after the attack (one request at a time, or a probe
// that keeps requesting it while an attack runs), and the limits show up in the log (naming the
// app) and in /metrics.
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, type Reply, type Served } from './serve.js';
import { adminClient, ADMIN_TOKEN } from './lifecycle.js';

/** Doubles ?n; with ?digest=1 also answers the SHA-256 of the text of n (crypto on the host). */
const NEIGHBOUR = `export default { async fetch(request) {
  const q = new URL(request.url).searchParams;
  const n = Number(q.get('n') ?? '0');
  let extra = '';
  if (q.get('digest') === '1') {
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(String(n))));
    extra = ' ' + Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return new Response('healthy ' + (n * 2) + extra);
} };
`;

export interface Neighbours {
  readonly s: Served;
  /** One request to the attacker app. */
  attack(path?: string, opts?: { method?: string; body?: Buffer | string }): Promise<Reply>;
  /** One request to the neighbour; fails the test unless it answers 200 with the right body. */
  neighbourOk(t: Test, label: string, opts?: { digest?: boolean }): Promise<void>;
  /** The server's resident memory in MiB (from /proc). */
  rssMb(): number;
  /** The value of one /metrics series, NaN when absent. */
  metric(series: string): Promise<number>;
  /** Waits for a log line of the attacker app whose text matches. */
  attackerLog(pattern: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Starts the pair; `limits` and `defaults` go into the config (attacker's limits, everyone's defaults). */
export async function neighbours(t: Test, attacker: string, opts: { limits?: object; defaults?: object; files?: Record<string, string> } = {}): Promise<Neighbours> {
  const config = {
    admin: { port: 0, token: ADMIN_TOKEN },
    defaults: { idleEvictMs: 0, ...opts.defaults },
    apps: [
      { name: 'attacker', path: 'attacker', hostnames: ['attacker.test'], limits: opts.limits ?? {} },
      { name: 'neighbour', path: 'neighbour', hostnames: ['neighbour.test'] },
    ],
  };
  const files: Record<string, string> = { 'nano.json': JSON.stringify(config), 'attacker/index.js': attacker, 'neighbour/index.js': NEIGHBOUR };
  for (const [k, v] of Object.entries(opts.files ?? {})) files[`attacker/${k}`] = v;
  const dir = tempTree(files);
  const s = await serve(['--config', join(dir, 'nano.json'), '--no-watch']);
  t.teardown(() => s.stop().then(() => undefined));
  const admin = adminClient(s);
  let n = 0;
  return {
    s,
    attack: (path = '/', o = {}) => fetchRaw(s.port, path, { host: 'attacker.test', ...o }),
    async neighbourOk(t, label, o = {}) {
      const i = ++n;
      const r = await fetchRaw(s.port, `/?n=${i}${o.digest === true ? '&digest=1' : ''}`, { host: 'neighbour.test' });
      const digest = o.digest === true ? ` ${createHash('sha256').update(String(i)).digest('hex')}` : '';
      t.equal(`${r.status} ${r.text}`, `200 healthy ${i * 2}${digest}`, `the neighbour answers ${label}`);
    },
    rssMb() {
      const status = readFileSync(`/proc/${s.child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
      return kb / 1024;
    },
    async metric(series) {
      const text = (await admin.call('GET', '/metrics')).text;
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
    },
    attackerLog: (pattern, timeoutMs) => s.waitForLog((l) => l.app === 'attacker' && pattern.test(String(l.msg)), timeoutMs),
  };
}

/** The process is alive: it answers /healthz and has not exited. */
export async function alive(t: Test, s: Served): Promise<void> {
  t.equal(s.child.exitCode, null, 'the process did not exit');
  t.equal((await fetchRaw(s.port, '/healthz')).status, 200, 'the process answers /healthz');
}

/** Several attacker apps (name → index.js, host `<name>.test`) beside the neighbour (host neighbour.test). */
export async function serveWithNeighbour(apps: Record<string, string>, limits: Record<string, Record<string, unknown>> = {}, defaults: Record<string, unknown> = {}): Promise<Served> {
  const files: Record<string, string> = { 'neighbour/index.js': NEIGHBOUR };
  const config = [{ name: 'neighbour', path: './neighbour', hostnames: ['neighbour.test'] }] as object[];
  for (const [name, code] of Object.entries(apps)) {
    files[`${name}/index.js`] = code;
    config.push({ name, path: `./${name}`, hostnames: [`${name}.test`], limits: limits[name] ?? {} });
  }
  files['nano.json'] = JSON.stringify({ defaults: { idleEvictMs: 0, ...defaults }, apps: config });
  return serve(['--config', join(tempTree(files), 'nano.json'), '--no-watch']);
}

/** Asks the neighbour for 2 × n; true when it answers exactly that. */
async function neighbourAnswers(s: Served, n: number): Promise<string | null> {
  const r = await fetchRaw(s.port, `/?n=${n}`, { host: 'neighbour.test' });
  return r.status === 200 && r.text === `healthy ${n * 2}` ? null : `${r.status} ${r.text.slice(0, 80)}`;
}

export interface Probe {
  /** Stops probing; resolves with every latency (ms) and the failures seen. */
  stop(): Promise<{ latencies: number[]; failures: string[] }>;
}

/** Requests the neighbour back to back (one at a time) until stopped, checking every answer. */
export function probeNeighbour(s: Served): Probe {
  const latencies: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async (): Promise<void> => {
    for (let i = 1; running; i++) {
      const started = performance.now();
      try {
        const wrong = await neighbourAnswers(s, i);
        latencies.push(performance.now() - started);
        if (wrong !== null) failures.push(wrong);
      } catch (err) {
        failures.push(String(err));
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { latencies, failures };
    },
  };
}

/** The server process is still running and the neighbour answers. */
export async function neighbourAlive(s: Served): Promise<boolean> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return false;
  return (await neighbourAnswers(s, 21)) === null;
}

/** The NANO_ERR_* code of an error response body, if it is one. */
export function errorCode(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
