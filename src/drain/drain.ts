// The one drain routine, used for shutdown (every app), a reload (the replaced version of an app)
// and app removal (that app only). In order: optionally refuse new requests (503 + Connection:
// close), wait for in-flight requests and waitUntil work, cut what is left at the deadline, and
// log which way it ended, naming what was cut. Listeners are the caller's: it stops accepting first.
import type { Logger } from '../observability/logger.js';

/** What a drain needs of an app version (AppInstance implements it). */
export interface Drainable {
  readonly settings: { readonly name: string };
  readonly pendingWaitUntil: number;
  startDraining(): void;
  whenIdle(): Promise<void>;
  forceClose(): number;
  inflightRequests(): { method: string; path: string; ms: number }[];
}

export interface CutApp {
  readonly app: string;
  readonly requests: number;
  readonly waitUntil: number;
  /** The cut requests: method, path without query, and how long they had run. */
  readonly cut: readonly { method: string; path: string; ms: number }[];
}

export interface DrainOutcome {
  readonly ended: 'idle' | 'deadline';
  readonly ms: number;
  /** Requests plus waitUntil tasks cut at the deadline (0 when the drain ended idle). */
  readonly cut: number;
  readonly apps: readonly CutApp[];
}

export interface DrainOptions {
  readonly timeoutMs: number;
  /** Start refusing new requests to these versions (removal, shutdown); a replaced version gets none anyway. */
  readonly refuseNew: boolean;
  readonly log: Logger;
  /** What is draining, for the log line: "shutdown", "app removal", "replaced version". */
  readonly reason: string;
  /** Resolves early to force the deadline now (e.g. a shutdown overtaking an app's drain). */
  readonly forceWhen?: Promise<unknown>;
}

export async function drain(targets: readonly Drainable[], opts: DrainOptions): Promise<DrainOutcome> {
  const start = performance.now();
  if (opts.refuseNew) for (const t of targets) t.startDraining();
  const idle = Promise.all(targets.map((t) => t.whenIdle())).then(() => 'idle' as const);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), opts.timeoutMs);
    opts.forceWhen?.then(() => resolve('deadline'), () => resolve('deadline'));
  });
  const ended = await Promise.race([idle, deadline]);
  clearTimeout(timer);
  const apps: CutApp[] = [];
  let cut = 0;
  if (ended === 'deadline') {
    for (const t of targets) {
      const cutRequests = t.inflightRequests();
      const waitUntil = t.pendingWaitUntil;
      const requests = t.forceClose();
      if (requests + waitUntil === 0) continue;
      apps.push({ app: t.settings.name, requests, waitUntil, cut: cutRequests });
      cut += requests + waitUntil;
    }
  }
  const ms = Math.round(performance.now() - start);
  const names = [...new Set(targets.map((t) => t.settings.name))];
  if (cut > 0) {
    const what = apps.map((a) => `${a.app}: ${a.requests} request(s) [${a.cut.map((r) => `${r.method} ${r.path}`).join(', ')}]${a.waitUntil > 0 ? ` + ${a.waitUntil} waitUntil task(s)` : ''}`).join('; ');
    opts.log.error({ event: 'drain_cut', code: 'NANO_ERR_DRAIN_TIMEOUT', reason: opts.reason, timeoutMs: opts.timeoutMs, ms, cut, apps }, `${opts.reason}: drain deadline of ${opts.timeoutMs} ms passed; cut ${what}`);
  } else {
    opts.log.info({ event: 'drained', reason: opts.reason, apps: names, ms }, `${opts.reason}: drained (all in-flight work finished)`);
  }
  return { ended, ms, cut, apps };
}
