// Helpers for lifecycle tests: copies of fixture apps in temp dirs (tests edit them), config
// files, an admin API client, and polling for a condition the server reaches asynchronously.
import { cpSync, mkdtempSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { fetchRaw, ROOT, type Reply, type Served } from './serve.js';

export const LIFECYCLE_FIXTURES = join(ROOT, 'test/fixtures/lifecycle');
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A temp dir holding copies of the named fixture apps (test/fixtures/lifecycle/<name>). */
export function workspace(apps: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nano-life-'));
  for (const [as, fixture] of Object.entries(apps)) cpSync(join(LIFECYCLE_FIXTURES, fixture), join(dir, as), { recursive: true });
  return dir;
}

/** Writes a file the way editors do: a temp file renamed over the target (one atomic change). */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function writeConfig(dir: string, config: unknown, name = 'nano.json'): string {
  const p = join(dir, name);
  writeAtomic(p, JSON.stringify(config, null, 2));
  return p;
}

export interface AdminClient {
  readonly port: number;
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<Reply & { json: any }>;
}

export function adminClient(s: Served, token: string = ADMIN_TOKEN): AdminClient {
  const admin = s.logs.find((l) => l.event === 'listening')?.admin as { port: number } | null | undefined;
  if (admin === null || admin === undefined) throw new Error('the server has no admin listener');
  const port = admin.port;
  return {
    port,
    async call(method, path, body, tok = token) {
      const headers: Record<string, string> = {};
      if (tok !== null) headers.authorization = `Bearer ${tok}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const r = await fetchRaw(port, path, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
      let json: unknown = null;
      try {
        json = JSON.parse(r.text);
      } catch {
        // not JSON (metrics)
      }
      return { ...r, json };
    },
  };
}

/** Polls `fn` every 20 ms until it returns a truthy value, or fails after `timeoutMs`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits for the log line of the next reload (ok or failed) after `since` lines. */
export function nextReload(s: Served, since: number, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return until('a reload log line', () => s.logs.slice(since).find((l) => l.event === 'reloaded' || l.event === 'reload_failed'), timeoutMs);
}

/** One keep-alive connection (an Agent with a single socket) to the traffic port. */
export class Conn {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 60_000 });
  readonly #port: number;
  socket: Socket | null = null;
  closed = false;

  constructor(port: number) {
    this.#port = port;
  }

  /** Sends a request; resolves at the first body byte (`firstByte`) and at the end (`done`). */
  start(path: string, host: string): { firstByte: Promise<void>; done: Promise<Reply & { reused: boolean }> } {
    let first!: () => void;
    const firstByte = new Promise<void>((r) => (first = r));
    const done = new Promise<Reply & { reused: boolean }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.#port, path, agent: this.#agent, headers: { host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          first();
        });
        res.on('end', () => {
          first();
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body, text: body.toString('utf8'), reused: req.reusedSocket });
        });
        res.on('error', reject);
      });
      req.on('socket', (s: Socket) => {
        if (this.socket !== s) {
          this.socket = s;
          this.closed = false;
          s.once('close', () => {
            if (this.socket === s) this.closed = true;
          });
        }
      });
      req.on('error', reject);
      req.end();
    });
    return { firstByte, done };
  }

  get(path: string, host: string): Promise<Reply & { reused: boolean }> {
    return this.start(path, host).done;
  }

  destroy(): void {
    this.#agent.destroy();
  }
}
