// Observation points of the request path and the lifecycle. They do nothing by default, so core
// code never asks whether anyone listens; the metrics module (metrics.ts) supplies a real
// implementation. Hooks receive names and numbers only: never env, secrets or bodies.
export interface Hooks {
  /** An isolate for `app` was created and its code loaded, in `ms`. */
  isolateCreated(app: string, ms: number): void;
  /** A request entered the app's isolate (isolate level; see requestReceived for HTTP level). */
  requestStart(app: string): void;
  responseStart(app: string, status: number): void;
  /** The request that entered the isolate finished, having used `cpuMs` of isolate time. */
  requestEnd(app: string, cpuMs: number): void;
  cpu(app: string, ms: number): void;
  /** The app's isolate was disposed and will be rebuilt: reason 'cpu' or 'memory'. */
  restart(app: string, reason: string): void;
  evicted(app: string): void;
  /** The app's isolate got its memory-reducing GC after going idle (AppInstance.compactIfIdle). */
  compacted(app: string): void;
  /** The server routed an HTTP request to `app` (every request, also those refused with 503). */
  requestReceived(app: string): void;
  /** That response finished or its connection closed; `status` is 0 if none was sent. */
  requestDone(app: string, status: number, ms: number): void;
  /** A reload attempt ended; `trigger` is what asked for it (watch, signal, admin, …). */
  reload(result: 'ok' | 'failed', trigger: string): void;
  /** A drain reached its deadline and cut this many requests or waitUntil tasks of `app`. */
  drainCut(app: string, cut: number): void;
  /** `lines` of the app's console output were dropped by its log rate limit. */
  logDropped(app: string, lines: number): void;
  /** The app hit a host-call bound (`limit`: crypto.waiting, zlib.streams, …) `hits` times. */
  hostLimit(app: string, limit: string, hits: number): void;
}

export const noopHooks: Hooks = {
  isolateCreated() {},
  requestStart() {},
  responseStart() {},
  requestEnd() {},
  cpu() {},
  restart() {},
  evicted() {},
  compacted() {},
  requestReceived() {},
  requestDone() {},
  reload() {},
  drainCut() {},
  logDropped() {},
  hostLimit() {},
};
