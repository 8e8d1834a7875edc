// One configured app version: its code, its isolate (app-isolate.ts), and what becomes of its
// requests: accepted or refused, dispatched, answered, failed. The request path itself is in
// dispatch-queue.ts (in), response-stream.ts and request-body.ts (bytes); failures and restarts in
// restart-policy.ts; idleness in app-activity.ts; every limit in limit-enforcer.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HEADER_SEP } from '../protocol/bridge.js';
import type { InFlight, RequestEnds } from './in-flight.js';
import { BACKGROUND_WINDOW_MS, LimitEnforcer, mainThreadSliceMs } from './limit-enforcer.js';
import { sendError, requestScheme } from './http-reply.js';
import { AppActivity } from './app-activity.js';
import { ResponseStreams } from './response-stream.js';
import { DispatchQueue } from './dispatch-queue.js';
import { AppIsolate } from './app-isolate.js';
import { RestartPolicy, replayable } from './restart-policy.js';
import { WallSweep } from './wall-sweep.js';
import { RequestEnder } from './request-ends.js';
import { GuestEvents } from './guest-events.js';
import { IdleCompaction } from './compaction.js';
import type { AppSettings } from './app-settings.js';
import type { Logger } from '../observability/logger.js';
import type { RuntimeIsolate, Execution } from './runtime-isolate.js';
import type { AppCode } from './app-code.js';
import type { Hooks } from '../observability/hooks.js';

export class AppInstance {
  readonly settings: AppSettings;
  readonly code: AppCode;
  readonly #log: Logger;
  readonly #hooks: Hooks;
  /** The app's isolate: built, moved to the pool, dropped, evicted. */
  readonly #app: AppIsolate;
  /** Every limit of this app: entry timeouts, body size, wall clock, background CPU budget, crash-loop backoff. */
  readonly #limits: LimitEnforcer;
  /** Requests in flight and waiting, waitUntil work, last use: whether the app is idle. */
  readonly #activity: AppActivity;
  /** The requests in flight (#activity's table). */
  readonly #inflight: Map<number, InFlight>;
  readonly #dispatches: DispatchQueue;
  readonly #responses: ResponseStreams;
  readonly #restarts: RestartPolicy;
  readonly #wall: WallSweep;
  readonly #end: RequestEnder;
  readonly #guest: GuestEvents;
  readonly #compaction = new IdleCompaction();
  /** How the request-path modules end a request or report a failure. */
  readonly #ends: RequestEnds;
  #draining = false;
  /** Request ids count per app version: a process-wide counter would tell tenants of each other's traffic. */
  #nextRequestId = 1;

  constructor(settings: AppSettings, code: AppCode, log: Logger, hooks: Hooks) {
    this.settings = settings;
    this.code = code;
    this.#log = log.child({ app: settings.name });
    this.#hooks = hooks;
    this.#limits = new LimitEnforcer(settings);
    this.#activity = new AppActivity(this.#log);
    this.#inflight = this.#activity.inflight;
    this.#ends = {
      complete: (f) => this.#end.complete(f),
      finishWithError: (f, code, message) => this.#end.finishWithError(f, code, message),
      clientGone: (f) => this.#end.clientGone(f),
      entryFailed: (origin, err) => this.#restarts.entryFailed(origin, err),
      violation: (origin, what) => this.#restarts.violation(origin, what),
      hostFault: (origin, err) => this.#restarts.hostFault(origin, err),
      entryTimeout: (origin) => this.#entryTimeout(origin),
    };
    this.#responses = new ResponseStreams(settings.name, this.#limits, this.#inflight, this.#ends, this.#log, hooks);
    this.#guest = new GuestEvents(settings, code, (message) => (this.#app.lastError = message), this.#limits, this.#activity, this.#responses, this.#ends, this.#log, hooks);
    this.#app = new AppIsolate(settings, code, this.#log, hooks, this.#limits, this.#guest, {
      passBody: (id, kind, source) => this.#responses.reservePipe(Number(id), String(kind), Number(source)),
      violation: (origin, what) => this.#restarts.violation(origin, what),
      entry: (origin, ms, hostStarted) => this.#charge(origin, ms, hostStarted),
      entryTimeout: (origin) => this.#entryTimeout(origin),
      cdnLoop: (origin) => String(this.#inflight.get(origin)?.req.headers['cdn-loop'] ?? ''),
      // The requests that waited for this isolate were counted already (handle()).
      created: () => this.#compaction.isolateCreated(this.#activity.starting),
    });
    this.#dispatches = new DispatchQueue(this.#ends, {
      // On the main thread one entry must fit the slice: as many requests as the app's average
      // turn allows go together (a cheap app: hundreds).
      batchSize: (ready) => (this.#app.sliced ? Math.max(1, Math.floor(mainThreadSliceMs() / 2 / Math.max(this.#app.policy.averageMs, 0.25))) : ready),
      batchTimeout: (batch) => this.#limits.requestTimeout(0, this.#app.sliced, this.#app.sliced && batch.every((d) => replayable(d.f))),
    });
    this.#wall = new WallSweep(this.#limits, this.#inflight, this.#ends);
    this.#end = new RequestEnder(settings.name, this.#app, this.#activity, this.#responses, this.#wall, hooks, (req, res, isolate) => this.#dispatch(this.#nextRequestId++, req, res, isolate, true));
    this.#restarts = new RestartPolicy(settings, this.#app, this.#limits, this.#activity, this.#end, this.#log, hooks);
  }

  /** Requests this version is serving, including those waiting for its isolate. */
  get inflight(): number {
    return this.#inflight.size + this.#activity.starting;
  }
  get draining(): boolean {
    return this.#draining;
  }
  /** Method, path (without query) and age of each request in flight, for drain logs. */
  inflightRequests(): { method: string; path: string; ms: number }[] {
    const now = performance.now();
    return [...this.#inflight.values()].map((f) => ({ method: f.req.method ?? 'GET', path: (f.req.url ?? '/').split('?')[0] ?? '/', ms: Math.round(now - f.started) }));
  }
  get pendingWaitUntil(): number {
    return this.#activity.pendingWaitUntil;
  }
  get hasIsolate(): boolean {
    const iso = this.#app.current;
    return iso !== null && !iso.disposed;
  }
  get execution(): Execution {
    return this.#app.execution;
  }
  /** The app's last failure (a load, a limit, an uncaught exception). */
  get lastError(): string | null {
    return this.#app.lastError;
  }
  /** Isolates restarted for a limit or a failure. */
  get restarts(): number {
    return this.#app.restarts;
  }
  /** Heap of the live isolate in bytes (0 without one). */
  heapBytes(): number {
    return this.#app.heapBytes();
  }

  /**
   * Builds the isolate now (used to warm a new version before traffic switches to it). With
   * `silent`, a load failure is only thrown (and kept in lastError), not logged: the reload that
   * asked logs one error for the whole attempt.
   */
  warm(opts: { silent?: boolean } = {}): Promise<void> {
    return this.#app.warm(opts.silent === true);
  }

  /** Frees the isolate now if nothing runs in it (a reload's load check of an app that was cold). */
  cool(): void {
    if (this.#activity.idle) this.#app.free();
  }

  /**
   * Serves one HTTP request; the response's 'close' event marks its end (the server's traffic
   * tracker counts on that). Returns nothing: no promise is allocated on the hot path.
   */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#activity.lastUsed = Date.now();
    this.#compaction.requests++;
    if (this.#draining) {
      sendError(res, 'NANO_ERR_APP_DRAINING', 'the app is restarting or being removed; retry', true);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (this.#limits.bodyTooLarge(declared)) {
      // The unread body is discarded (not a closed socket), so clients still writing read the 413.
      sendError(res, 'NANO_ERR_BODY_TOO_LARGE', `request body over ${this.settings.maxBodyBytes} bytes`, false);
      req.resume();
      return;
    }
    const id = this.#nextRequestId++;
    // Hot path: a live isolate takes the request in this tick, without a promise hop.
    const live = this.#app.ready;
    if (live !== null) {
      this.#dispatch(id, req, res, live);
      return;
    }
    const waitMs = this.#app.creating ? 0 : this.#limits.backoffMs(Date.now());
    if (waitMs > 0) {
      // A crash loop: no rebuild, no work, until the backoff ends.
      sendError(res, 'NANO_ERR_APP_BACKOFF', 'the app keeps failing; retry later', false, Math.ceil(waitMs / 1000));
      req.resume();
      return;
    }
    const activity = this.#activity;
    activity.starting++;
    this.#app.ensure().then(
      (isolate) => {
        activity.starting--;
        this.#dispatch(id, req, res, isolate);
      },
      (err: unknown) => {
        activity.starting--;
        const m = err instanceof Error ? err.message : String(err);
        sendError(res, 'NANO_ERR_APP_LOAD', 'the app failed to load; see the server log', false);
        this.#log.error({ err: m }, 'request failed: app not loaded');
        activity.checkIdle();
      },
    );
  }

  #dispatch(id: number, req: IncomingMessage, res: ServerResponse, isolate: RuntimeIsolate, retried = false): void {
    const hasBody = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) > 0 : req.headers['transfer-encoding'] !== undefined;
    const f: InFlight = {
      id, req, res, isolate, started: performance.now(), cpuMs: 0, responded: false, retried, head: null, finished: false, streamId: 0, streamReady: false, taking: false,
      tookBytes: 0, window: null, bodyBytes: 0, bodyWaiting: false, bodyOpen: hasBody, bodyPiped: false, pipe: null,
    };
    this.#inflight.set(id, f);
    this.#hooks.requestStart(this.settings.name);
    this.#wall.arm();
    res.on('close', () => this.#end.clientGone(f));
    const host = req.headers.host ?? 'localhost';
    this.#dispatches.queue({ f, id, method: req.method ?? 'GET', url: `${requestScheme(req)}://${host}${req.url ?? '/'}`, headers: req.rawHeaders.join(HEADER_SEP), bodyStream: hasBody ? id : 0 });
  }

  /** The timeout of an entry for `origin`: its request's CPU left, or the background budget. */
  #entryTimeout(origin: number): number {
    const f = this.#inflight.get(origin);
    if (f === undefined) return this.#limits.backgroundTimeout(performance.now(), this.#app.sliced);
    return this.#limits.requestTimeout(f.cpuMs, this.#app.sliced, this.#app.sliced && replayable(f));
  }

  #charge(origin: number, ms: number, hostStarted: boolean): void {
    // A batch entry (negative origin) served several requests: each is charged its share.
    const ids = this.#dispatches.served(origin);
    const share = ids.length > 0 ? ms / ids.length : ms;
    const app = this.#app;
    if (app.sliced && app.policy.record(share)) {
      app.moveToPool('app uses more CPU per turn', { entryMs: Math.round(share * 100) / 100, avgMs: Math.round(app.policy.averageMs * 100) / 100 });
    }
    if (hostStarted && !ids.some((id) => this.#inflight.has(id)) && this.#limits.chargeBackground(ms, performance.now())) {
      // Outside any request: timers and waitUntil work draw from the app's budget per window.
      const iso = app.current;
      queueMicrotask(() => {
        if (iso !== null && iso === app.current) this.#restarts.restart(iso, 'backgroundCpu', undefined, 'NANO_ERR_CPU_LIMIT', `background work used more than ${this.settings.cpuMs} ms of CPU in ${BACKGROUND_WINDOW_MS / 1000} s`);
      });
    }
    // Every entry counts for the app (the last one of a request ends after it left #inflight,
    // and timers or waitUntil work may have none); the request's budget only while it runs.
    this.#hooks.cpu(this.settings.name, ms);
    for (const id of ids) {
      const f = this.#inflight.get(id);
      if (f !== undefined) f.cpuMs += share;
    }
  }

  /** Resolves once no request is in flight and no waitUntil work is pending. */
  whenIdle(): Promise<void> {
    return this.#activity.whenIdle();
  }

  /** New requests get 503 from now on; in-flight ones continue. */
  startDraining(): void {
    this.#draining = true;
  }

  /** Ends every in-flight request (the drain deadline passed) and reports how many were cut. */
  forceClose(): number {
    const n = this.#inflight.size;
    for (const f of [...this.#inflight.values()]) this.#end.finishWithError(f, 'NANO_ERR_APP_DRAINING', 'the server is shutting down');
    this.#activity.clearWaitUntil();
    this.#activity.checkIdle();
    return n;
  }

  /** Whether the current isolate is to get its memory-reducing GC once idle (compaction.ts). */
  get awaitsCompaction(): boolean {
    return this.#compaction.awaits(this.#app.current);
  }

  /** Once the app has been idle for IDLE_COMPACT_MS, compacts its isolate (once); null when there was nothing to do. */
  compactIfIdle(now: number): Promise<void> | null {
    return this.#compaction.compact(this.#app.current, this.#activity, now, () => this.#hooks.compacted(this.settings.name));
  }

  /** Disposes the isolate when it has been idle for idleEvictMs. Returns true if it did. */
  evictIfIdle(now: number): boolean {
    if (this.#app.current === null || this.settings.idleEvictMs === 0) return false;
    if (!this.#activity.idleFor(now, this.settings.idleEvictMs)) return false;
    this.#app.free();
    this.#hooks.evicted(this.settings.name);
    return true;
  }

  dispose(): void {
    this.#activity.clearWaitUntil();
    this.#app.dispose();
  }
}
