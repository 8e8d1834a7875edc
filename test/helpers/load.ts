// A bounded load generator for lifecycle tests and scripts/bench/lifecycle.mjs: `concurrency`
// workers send requests back to back over keep-alive connections to 127.0.0.1 until stopped, a
// deadline passes or a request budget is spent, and classify every outcome. Run from the test
// (or bench) process, so the load comes from another process than the server.
import { Agent, request } from 'node:http';

export interface LoadOptions {
  readonly port: number;
  readonly host: string;
  /** Path of each request; a function gets the request's sequence number. */
  readonly path: string | ((n: number) => string);
  readonly concurrency: number;
  readonly durationMs: number;
  readonly maxRequests?: number;
  /** Per-request timeout (a request slower than this counts as failed). */
  readonly timeoutMs?: number;
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  /** Clean refusals: 503 NANO_ERR_APP_DRAINING with Connection: close, or connection refused. */
  readonly refused: number;
  /** Everything else: other statuses, resets, timeouts. */
  readonly failed: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly errors: Readonly<Record<string, number>>;
  /** Response bodies of 2xx answers and how often each was seen (to see versions switch). */
  readonly bodies: Readonly<Record<string, number>>;
  /** The first few failures, for test messages. */
  readonly failures: readonly string[];
  readonly ms: number;
}

export interface Load {
  /** Workers finish their current request and stop. */
  stop(): Promise<LoadResult>;
  /** Stop sending new requests now (like a load balancer that saw /readyz fail). */
  halt(): void;
  readonly done: Promise<LoadResult>;
  /** Requests sent so far (live). */
  readonly sentSoFar: () => number;
  /** Requests sent and not yet answered (live). */
  readonly active: () => number;
}

export function startLoad(opts: LoadOptions): Load {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const start = performance.now();
  const byStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const bodies: Record<string, number> = {};
  const failures: string[] = [];
  let sent = 0;
  let ok = 0;
  let refused = 0;
  let failed = 0;
  let halted = false;
  let active = 0;
  const deadline = start + opts.durationMs;
  const fail = (what: string): void => {
    failed++;
    if (failures.length < 10) failures.push(what);
  };

  const one = (n: number): Promise<void> =>
    new Promise((resolve) => {
      const path = typeof opts.path === 'function' ? opts.path(n) : opts.path;
      const req = request({ host: '127.0.0.1', port: opts.port, path, agent, headers: { host: opts.host }, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => {
          errors[e.message] = (errors[e.message] ?? 0) + 1;
          fail(`${path}: response error ${e.message}`);
          resolve();
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          byStatus[status] = (byStatus[status] ?? 0) + 1;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) {
            ok++;
            bodies[text] = (bodies[text] ?? 0) + 1;
          } else if (status === 503 && res.headers.connection === 'close' && text.includes('NANO_ERR_APP_DRAINING')) {
            refused++;
          } else fail(`${path}: status ${status} ${text.slice(0, 200)}`);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e: NodeJS.ErrnoException) => {
        const key = e.code ?? e.message;
        errors[key] = (errors[key] ?? 0) + 1;
        if (e.code === 'ECONNREFUSED') refused++;
        else fail(`${path}: ${key}`);
        resolve();
      });
      req.end();
    });

  const worker = async (): Promise<void> => {
    while (!halted && performance.now() < deadline && (opts.maxRequests === undefined || sent < opts.maxRequests)) {
      const n = sent++;
      active++;
      await one(n);
      active--;
    }
  };
  const done = Promise.all(Array.from({ length: opts.concurrency }, worker)).then((): LoadResult => {
    agent.destroy();
    return { sent, ok, refused, failed, byStatus, errors, bodies, failures, ms: Math.round(performance.now() - start) };
  });
  return {
    done,
    halt: () => {
      halted = true;
    },
    stop: () => {
      halted = true;
      return done;
    },
    sentSoFar: () => sent,
    active: () => active,
  };
}
