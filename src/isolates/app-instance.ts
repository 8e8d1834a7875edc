// One configured app version: its code, its env, its (lazily created, restartable, evictable)
// isolate, and what becomes of its requests when an entry fails or a limit is hit. The request path
// itself is in dispatch-queue.ts (in), response-stream.ts and request-body.ts (bytes), the
// bookkeeping of what it is busy with in app-activity.ts, and every limit in limit-enforcer.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Entry, Signal, HEADER_SEP, type SignalName } from '../protocol/bridge.js';
import { decodeRespond } from '../protocol/wire.js';
import { MAX_GUEST_MESSAGE } from '../protocol/limits.js';
import type { InFlight, RequestEnds } from './in-flight.js';
import { ERRORS, type ErrorCode } from '../errors/registry.js';
import { ExecutionPolicy, LONG_TURN_MS } from './execution-policy.js';
import { BACKGROUND_WINDOW_MS, HOST_CALL_BUDGET_MS, HOST_CALL_WINDOW_MS, LimitEnforcer, mainThreadSliceMs, type AppLimits } from './limit-enforcer.js';
import { sendError, requestScheme } from './http-reply.js';
import { AppActivity } from './app-activity.js';
import { ResponseStreams } from './response-stream.js';
import { feedRequestBody } from './request-body.js';
import { DispatchQueue } from './dispatch-queue.js';
import type { Logger } from '../observability/logger.js';
import { RuntimeIsolate, EntryError, type Execution } from './runtime-isolate.js';
import { instantiateApp, appStackOf, type AppCode } from './app-code.js';
import type { Hooks } from '../observability/hooks.js';
import { consoleLimiter, type LogLimiter, type LogLimits } from '../observability/log-limiter.js';
import { guestLimits } from '../host-calls/guest-limits.js';
import { FETCH_POLICY, INCOMING_CDN_LOOP, type FetchPolicy } from '../host-calls/fetch.js';

/**
 * How long an app must go without requests before its isolate gets its memory-reducing GC
 * (compactIfIdle): the garbage its start-up and first requests left. Measured with hello apps:
 * ~110 KiB less RSS per isolate for ~2-3 ms of CPU on isolated-vm's thread pool, once per
 * isolate. Short, so that a thousand apps each served once are compacted while they are being
 * served (the server arms a pass IDLE_COMPACT_MS after each request: Server.#armCompaction); long
 * enough that a request arriving back to back with the previous one (a page and its assets) does
 * not wait for the GC (docs' performance page, "Idle compaction").
 */
export const IDLE_COMPACT_MS = 100;
/** How many isolates the server compacts at once (Server.#compactIdle). */
export const COMPACT_CONCURRENCY = 8;
/**
 * Only isolates that served fewer requests than this are compacted, once. A memory-reducing GC
 * also drops a hot app's optimized code, which a busy app would then have to optimize again.
 * The GC is for the many apps that are rarely used: it frees what their isolate's start-up left
 * behind.
 */
export const COMPACT_MAX_REQUESTS = 50;

/** An app's resolved settings: its limits (LimitEnforcer's AppLimits) and the rest. */
export interface AppSettings extends AppLimits {
  readonly name: string;
  readonly idleEvictMs: number;
  readonly execution: 'auto' | Execution;
  /** The env as JSON (strings, JSON values and resolved secrets). */
  readonly envJson: string;
  /** Subrequest limits and network allow-list for fetch() (defaults when absent). */
  readonly fetch?: FetchPolicy;
  /** Console rate and line-size limits (the schema's defaults when absent). */
  readonly log?: LogLimits;
  /** Where a passed-through request goes (the app's `origin`); absent: NANO_ERR_NO_ORIGIN. */
  readonly origin?: OriginPass;
}

/** The app's origin and the server's forwarder (src/server/origin-pass.ts). */
export interface OriginPass {
  readonly url: string;
  /** Takes over the request and its response; `started(status)` when the origin's status is known. */
  readonly forward: (url: string, req: IncomingMessage, res: ServerResponse, started: (status: number) => void) => void;
}

export class AppInstance {
  readonly settings: AppSettings;
  readonly code: AppCode;
  readonly #log: Logger;
  readonly #hooks: Hooks;
  #isolate: RuntimeIsolate | null = null;
  #creating: Promise<RuntimeIsolate> | null = null;
  #execution: Execution;
  /** Entries seen by the current isolate and their moving average duration (ms). */
  readonly #policy = new ExecutionPolicy();
  /** Every limit of this app: entry timeouts, body size, wall clock, background CPU budget, crash-loop backoff. */
  readonly #limits: LimitEnforcer;
  /** Requests in flight and waiting, waitUntil work, last use: whether the app is idle. */
  readonly #activity: AppActivity;
  /** The requests in flight (#activity's table). */
  readonly #inflight: Map<number, InFlight>;
  readonly #dispatches: DispatchQueue;
  readonly #responses: ResponseStreams;
  /** How the request-path modules end a request or report a failure. */
  readonly #ends: RequestEnds;
  #wallSweep: NodeJS.Timeout | undefined;
  /** Whether the current isolate got its memory-reducing GC (compactIfIdle). */
  #compacted = false;
  /** Requests the current isolate has served (compactIfIdle). */
  #isolateRequests = 0;
  #draining = false;
  /** Set by dispose(): an isolate finished after it is freed at once, never adopted. */
  #disposed = false;
  /** True while warm({ silent: true }) loads: a reload check reports the failure itself. */
  #silentLoad = false;
  lastError: string | null = null;
  restarts = 0;
  /** Request ids count per app version: a process-wide counter would tell tenants of each other's traffic. */
  #nextRequestId = 1;

  constructor(settings: AppSettings, code: AppCode, log: Logger, hooks: Hooks) {
    this.settings = settings;
    this.code = code;
    this.#log = log.child({ app: settings.name });
    this.#hooks = hooks;
    this.#logLimiter = consoleLimiter(settings.name, settings.log, this.#log, hooks);
    this.#execution = settings.execution === 'pool' ? 'pool' : 'main-thread';
    this.#limits = new LimitEnforcer(settings);
    this.#activity = new AppActivity(this.#log);
    this.#inflight = this.#activity.inflight;
    this.#ends = {
      complete: (f) => this.#complete(f),
      finishWithError: (f, code, message) => this.#finishWithError(f, code, message),
      clientGone: (f) => this.#clientGone(f),
      entryFailed: (origin, err) => this.#entryFailed(origin, err),
      violation: (origin, what) => this.#violation(origin, what),
      hostFault: (origin, err) => this.#hostFault(origin, err),
      entryTimeout: (origin) => this.#entryTimeout(origin),
    };
    this.#dispatches = new DispatchQueue(this.#ends, {
      // On the main thread one entry must fit the slice: as many requests as the app's average
      // turn allows go together (a cheap app: hundreds).
      batchSize: (ready) => (this.#sliced ? Math.max(1, Math.floor(mainThreadSliceMs() / 2 / Math.max(this.#policy.averageMs, 0.25))) : ready),
      batchTimeout: () => this.#limits.requestTimeout(0, this.#sliced),
    });
    this.#responses = new ResponseStreams(settings.name, this.#limits, this.#inflight, this.#ends, this.#log, hooks);
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
    return this.#isolate !== null && !this.#isolate.disposed;
  }
  get execution(): Execution {
    return this.#execution;
  }
  /** Heap of the live isolate in bytes (0 without one). */
  heapBytes(): number {
    const iso = this.#isolate;
    if (iso === null || iso.disposed) return 0;
    try {
      const h = iso.isolate.getHeapStatisticsSync();
      return h.used_heap_size + h.externally_allocated_size;
    } catch {
      return 0;
    }
  }

  /**
   * Builds the isolate now (used to warm a new version before traffic switches to it). With
   * `silent`, a load failure is only thrown (and kept in lastError), not logged: the reload that
   * asked logs one error for the whole attempt.
   */
  async warm(opts: { silent?: boolean } = {}): Promise<void> {
    this.#silentLoad = opts.silent === true;
    try {
      await this.#ensureIsolate();
    } finally {
      this.#silentLoad = false;
    }
  }

  /** Frees the isolate now if nothing runs in it (a reload's load check of an app that was cold). */
  cool(): void {
    if (!this.#activity.idle) return;
    this.#isolate?.dispose();
    this.#isolate = null;
  }

  #ensureIsolate(): Promise<RuntimeIsolate> {
    if (this.#isolate !== null && !this.#isolate.disposed) return Promise.resolve(this.#isolate);
    this.#creating ??= this.#createIsolate().finally(() => {
      this.#creating = null;
    });
    return this.#creating;
  }

  /** Entries of an "auto" app on the main thread get only the main thread's slice (limit-enforcer.ts). */
  get #sliced(): boolean {
    return this.settings.execution === 'auto' && this.#execution === 'main-thread';
  }

  /** Moves an "auto" app to the isolate thread pool for good (this version of it). */
  #moveToPool(why: string, detail: Record<string, unknown>): void {
    if (this.#execution === 'pool') return;
    this.#execution = 'pool';
    this.#isolate?.setExecution('pool');
    this.#log.info(detail, `${why}: running it on the isolate thread pool`);
  }

  /**
   * Builds the app's isolate. Module evaluation on the main thread gets the slice only; an app
   * whose start-up needs more moves to the pool and is built again there, with its full cpuMs.
   */
  async #createIsolate(): Promise<RuntimeIsolate> {
    try {
      return await this.#buildIsolate();
    } catch (err) {
      if (!(err instanceof EntryError && err.failure === 'timeout' && this.#sliced)) throw err;
      this.#moveToPool('app start-up takes more than the main thread\'s slice', { sliceMs: mainThreadSliceMs() });
      return this.#buildIsolate();
    }
  }

  async #buildIsolate(): Promise<RuntimeIsolate> {
    const s = this.settings;
    const start = performance.now();
    const iso = await RuntimeIsolate.create({
      name: s.name,
      memoryLimitMb: s.memoryMb,
      execution: this.#execution,
      onLog: (level, text) => this.#appLog(level, text),
      calls: {
        respond: (id, status, statusText, headers, body, bodyStream) => {
          const r = decodeRespond(id, status, statusText, headers, body, bodyStream);
          if (r === null) return this.#violation(typeof id === 'number' ? id : 0, 'a response that is not a (status, headers, body) triple');
          this.#onRespond(r.id, r.status, r.statusText, r.headers, r.body, r.bodyStream);
        },
        respondError: (id, message, stack, passThrough) => this.#onRespondError(Number(id), guestText(message), guestText(stack), passThrough === 1),
        passBody: (id, kind, source) => this.#responses.reservePipe(Number(id), String(kind), Number(source)),
        limits: () => guestLimits(this.#logLimiter.wire(), this.settings.memoryMb),
      },
      onSignal: (name, origin, args) => this.#onSignal(name, origin, args),
      onEntry: (origin, ms, hostStarted) => this.#charge(origin, ms, hostStarted),
      entryTimeout: (origin) => this.#entryTimeout(origin),
      onRefused: (what) => this.#log.warn({ limit: 'timers' }, what),
      hostCalls: {
        allowed: (now) => this.#limits.hostCallAllowed(now),
        charge: (ms) => this.#limits.chargeHostCall(ms),
        refused: (name) => this.#hostCallRefused(name),
      },
      opState: [
        ...(s.fetch !== undefined ? [[FETCH_POLICY, s.fetch] as const] : []),
        [INCOMING_CDN_LOOP, (origin: number) => String(this.#inflight.get(origin)?.req.headers['cdn-loop'] ?? '')] as const,
      ],
    });
    const onMain = this.#execution === 'main-thread';
    const timeoutMs = this.#sliced ? Math.min(s.cpuMs, mainThreadSliceMs()) : s.cpuMs;
    const evaluating = performance.now();
    // A start-up that held the main thread as long as a long turn moves the app, whether it
    // succeeded or not: its next isolate (a restart, a crash loop's retry) starts on the pool.
    const startedLong = (): void => {
      const ms = performance.now() - evaluating;
      if (onMain && this.#sliced && ms > LONG_TURN_MS) this.#moveToPool('app start-up held the main thread', { startMs: Math.round(ms) });
    };
    try {
      // Service bindings, [[binding, app], …]: the guest makes each an object with fetch().
      const services = s.fetch?.services === undefined ? '' : JSON.stringify(Object.entries(s.fetch.services));
      if (!this.code.moduleSyntax) iso.installEnvGlobals(s.envJson, services);
      const mod = await instantiateApp(iso.isolate, iso.context, this.code, timeoutMs, onMain);
      let def;
      if (this.code.moduleSyntax) def = mod.namespace.getSync('default', { reference: true });
      await iso.initApp(def, s.envJson, timeoutMs, onMain, services);
      def?.release();
    } catch (err) {
      const outOfMemory = iso.isolate.isDisposed;
      iso.dispose();
      const message = err instanceof Error ? err.message : String(err);
      const timedOut = /Script execution timed out/.test(message);
      if (timedOut && this.#sliced) throw new EntryError('timeout', message);
      startedLong();
      const why = outOfMemory ? `start-up exceeded ${s.memoryMb} MiB` : timedOut ? `start-up used more than ${s.cpuMs} ms of CPU` : message;
      this.lastError = why;
      this.#limits.failed(Date.now());
      const stack = appStackOf(err);
      if (!this.#silentLoad) this.#log.error({ err: why, ...(stack !== undefined ? { stack } : {}), retryInMs: this.#limits.backoffMs(Date.now()) }, 'app failed to load');
      throw new EntryError('error', why);
    }
    startedLong();
    if (this.#disposed) {
      iso.dispose();
      throw new EntryError('disposed', 'this app version was retired');
    }
    this.#isolate = iso;
    // The requests that waited for this isolate were counted already (handle()).
    this.#isolateRequests = this.#activity.starting;
    this.#compacted = false;
    this.#policy.isolateCreated();
    this.#hooks.isolateCreated(s.name, performance.now() - start);
    return iso;
  }

  #hostCallWarnedAt = -Infinity;
  /** A synchronous host call was refused for the main-thread budget: said at most every 10 s. */
  #hostCallRefused(name: string): void {
    const now = performance.now();
    if (now - this.#hostCallWarnedAt < 10_000) return;
    this.#hostCallWarnedAt = now;
    this.#log.warn({ limit: 'hostCalls', call: name, budgetMs: HOST_CALL_BUDGET_MS, windowMs: HOST_CALL_WINDOW_MS }, `synchronous host calls refused: the app used ${HOST_CALL_BUDGET_MS} ms of the main thread within ${HOST_CALL_WINDOW_MS} ms`);
  }

  readonly #logLimiter: LogLimiter;
  #appLog(level: string, text: string): void {
    const lvl = level === 'error' ? 'error' : level === 'warn' ? 'warn' : level === 'debug' ? 'debug' : 'info';
    const line = this.#logLimiter.admit(level, text);
    if (line !== null) this.#log[lvl]({ src: 'console' }, this.code.mapStack?.(line) ?? line);
  }

  /**
   * Serves one HTTP request; the response's 'close' event marks its end (the server's traffic
   * tracker counts on that). Returns nothing: a promise per request was never awaited and cost an
   * allocation and a resolve on the hot path.
   */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#activity.lastUsed = Date.now();
    this.#isolateRequests++;
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
    const live = this.#isolate;
    if (live !== null && !live.disposed && this.#creating === null) {
      this.#dispatch(id, req, res, live);
      return;
    }
    const waitMs = this.#creating === null ? this.#limits.backoffMs(Date.now()) : 0;
    if (waitMs > 0) {
      // A crash loop: no rebuild, no work, until the backoff ends.
      sendError(res, 'NANO_ERR_APP_BACKOFF', 'the app keeps failing; retry later', false, Math.ceil(waitMs / 1000));
      req.resume();
      return;
    }
    const activity = this.#activity;
    activity.starting++;
    this.#ensureIsolate().then(
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
    this.#wallSweep ??= setInterval(() => this.#sweepWall(), this.#limits.wallSweepMs()).unref();
    res.on('close', () => this.#clientGone(f));
    const host = req.headers.host ?? 'localhost';
    this.#dispatches.queue({ f, id, method: req.method ?? 'GET', url: `${requestScheme(req)}://${host}${req.url ?? '/'}`, headers: req.rawHeaders.join(HEADER_SEP), bodyStream: hasBody ? id : 0 });
  }

  /**
   * The client went away before the response finished (the response closed, or a write to it
   * failed): abort request.signal and cancel a streaming body in the guest. A failed write calls
   * this at once, so a body loop never keeps taking from the guest for a socket that is gone.
   */
  #clientGone(f: InFlight): void {
    if (f.finished) return;
    const isolate = f.isolate;
    if (!isolate.disposed) {
      isolate.enter(Entry.requestAbort, f.id, 'The client disconnected', f.id, 100).catch(() => {});
      if (f.streamId !== 0) isolate.enter(Entry.bodyCancel, f.streamId, 'client disconnected', f.id, 100).catch(() => {});
    }
    this.#complete(f);
  }

  /** The timeout of an entry for `origin`: its request's CPU left, or the background budget. */
  #entryTimeout(origin: number): number {
    const f = this.#inflight.get(origin);
    return f === undefined ? this.#limits.backgroundTimeout(performance.now(), this.#sliced) : this.#limits.requestTimeout(f.cpuMs, this.#sliced);
  }

  #charge(origin: number, ms: number, hostStarted: boolean): void {
    // A batch entry (negative origin) served several requests: each is charged its share.
    const ids = this.#dispatches.served(origin);
    const share = ids.length > 0 ? ms / ids.length : ms;
    if (this.#sliced && this.#policy.record(share)) {
      this.#moveToPool('app uses more CPU per turn', { entryMs: Math.round(share * 100) / 100, avgMs: Math.round(this.#policy.averageMs * 100) / 100 });
    }
    if (hostStarted && !ids.some((id) => this.#inflight.has(id)) && this.#limits.chargeBackground(ms, performance.now())) {
      // Outside any request: timers and waitUntil work draw from the app's budget per window.
      const iso = this.#isolate;
      queueMicrotask(() => {
        if (iso !== null && iso === this.#isolate) this.#restart(iso, 'backgroundCpu', undefined, 'NANO_ERR_CPU_LIMIT', `background work used more than ${this.settings.cpuMs} ms of CPU in ${BACKGROUND_WINDOW_MS / 1000} s`);
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

  /**
   * An entry failed. The failure belongs to the isolate it ran in: one that was already replaced
   * (its late entries fail as "disposed") never restarts its successor.
   */
  #entryFailed(origin: number, err: unknown): void {
    const e = err instanceof EntryError ? err : new EntryError('error', String(err));
    const f = this.#inflight.get(origin);
    const iso = e.source ?? f?.isolate ?? null;
    const current = iso !== null && iso === this.#isolate;
    if (!current && e.failure !== 'error') {
      if (f !== undefined) this.#finishWithError(f, 'NANO_ERR_ISOLATE_RESTARTED', 'the app restarted');
      return;
    }
    switch (e.failure) {
      case 'timeout':
        if (e.mainThread && this.settings.execution === 'auto' && (f === undefined || this.#limits.isSlice(f.cpuMs))) {
          this.#moveToPool('an entry held the main thread past its slice', { sliceMs: mainThreadSliceMs() });
          this.#restart(iso, 'mainThreadSlice', f, 'NANO_ERR_ISOLATE_RESTARTED', `the app ran more than ${mainThreadSliceMs()} ms at once on the shared thread and now runs on the thread pool; retry`);
        } else if (f !== undefined) this.#restart(iso, 'cpu', f, 'NANO_ERR_CPU_LIMIT', `request used more than ${this.settings.cpuMs} ms of CPU`);
        else this.#restart(iso, 'backgroundCpu', f, 'NANO_ERR_CPU_LIMIT', `background work used more than ${this.settings.cpuMs} ms of CPU`);
        return;
      case 'memory':
        this.#restart(iso, 'memory', f, 'NANO_ERR_MEMORY_LIMIT', `isolate exceeded ${this.settings.memoryMb} MiB`);
        return;
      case 'protocol':
        this.#violation(origin, e.message);
        return;
      case 'disposed':
        if (f !== undefined) this.#finishWithError(f, 'NANO_ERR_ISOLATE_RESTARTED', 'the app restarted');
        return;
      case 'error':
        // The runtime's entries catch app errors themselves: one that escapes means the runtime in
        // this isolate is broken (an app that replaced a built-in it relies on), so it restarts.
        this.#log.error({ err: e.message.slice(0, MAX_GUEST_MESSAGE) }, 'entry into isolate failed');
        if (current) this.#restart(iso, 'runtime', f, 'NANO_ERR_APP_PROTOCOL', 'the runtime in the app\'s isolate failed');
        else if (f !== undefined) this.#finishWithError(f, 'NANO_ERR_INTERNAL', 'internal error');
    }
  }

  /**
   * A host callback on this app's request path threw: a NANO bug, or a guest value no decoder
   * caught. It fails this request (and restarts this app's isolate), never the process.
   */
  #hostFault(origin: number, err: unknown): void {
    this.#log.error({ reqId: origin, err: err instanceof Error ? err.stack : String(err) }, 'host error while serving a request of this app');
    const f = this.#inflight.get(origin);
    this.#restart(f?.isolate ?? this.#isolate, 'internal', f, 'NANO_ERR_INTERNAL', 'internal error');
  }

  /**
   * The guest broke the wire contract (a value of the wrong type or out of bounds: typically an
   * app that patched a built-in the runtime relies on). Nothing of the value is used; the request
   * fails with 502 and the app gets a fresh isolate, as for a limit.
   */
  #violation(origin: number, what: string): void {
    const f = this.#inflight.get(origin);
    this.#restart(f?.isolate ?? this.#isolate, 'protocol', f, 'NANO_ERR_APP_PROTOCOL', `the app's isolate returned ${what}`);
  }

  /** Disposes the app's isolate: the culprit request gets `code`, others in it get 503 too. */
  #restart(iso: RuntimeIsolate | null, reason: string, culprit: InFlight | undefined, code: ErrorCode, message: string): void {
    if (iso === null) return;
    const wasLive = !iso.disposed || iso === this.#isolate;
    iso.dispose();
    if (this.#isolate === iso) this.#isolate = null;
    if (wasLive) {
      this.restarts++;
      if (reason !== 'mainThreadSlice') this.#limits.failed(Date.now());
      this.lastError = `${reason} limit: ${message}`;
      this.#hooks.restart(this.settings.name, reason);
      this.#log.warn({ limit: reason, reqId: culprit?.id }, `limit exceeded (${message}); the app gets a fresh isolate`);
    }
    const slice = reason === 'mainThreadSlice';
    if (culprit !== undefined) {
      if (slice && this.#retriable(culprit)) this.#retry(culprit);
      else this.#finishWithError(culprit, code, message, slice ? 0 : undefined);
    }
    for (const f of [...this.#inflight.values()]) {
      if (f.isolate !== iso) continue;
      if (slice && this.#retriable(f)) this.#retry(f);
      else this.#finishWithError(f, f === culprit ? code : 'NANO_ERR_ISOLATE_RESTARTED', 'the app restarted');
    }
    this.#activity.clearWaitUntil();
    this.#activity.checkIdle();
  }

  /**
   * Whether a request stopped with its isolate may run again: a GET or HEAD without a body, with
   * nothing of its response sent, not retried before. Such requests are safe to repeat (RFC 9110
   * 9.2.1), so a healthy app whose turn a busy machine stretched past the slice loses nothing.
   */
  #retriable(f: InFlight): boolean {
    const m = f.req.method;
    return (m === 'GET' || m === 'HEAD') && !f.retried && !f.responded && !f.res.headersSent && !f.bodyOpen && f.bodyBytes === 0 && f.pipe === null;
  }

  /** Dispatches `f`'s request again in the app's next isolate (on the pool by then). */
  #retry(f: InFlight): void {
    f.finished = true; // callbacks of the first dispatch, and its close listener, ignore it now
    const activity = this.#activity;
    activity.inflight.delete(f.id);
    this.#responses.forget(f);
    this.#hooks.requestEnd(this.settings.name, f.cpuMs);
    activity.starting++;
    this.#ensureIsolate().then(
      (isolate) => {
        activity.starting--;
        if (f.res.destroyed) return activity.checkIdle();
        this.#dispatch(this.#nextRequestId++, f.req, f.res, isolate, true);
      },
      () => {
        activity.starting--;
        sendError(f.res, 'NANO_ERR_APP_LOAD', 'the app failed to load; see the server log', false);
        activity.checkIdle();
      },
    );
  }

  #onRespond(id: number, status: number, statusText: string, joinedHeaders: string, body: string | Uint8Array | null, bodyStream: number): void {
    const f = this.#inflight.get(id);
    if (f === undefined || f.responded) return;
    f.responded = true;
    this.#limits.succeeded();
    this.#responses.start(f, status, statusText, joinedHeaders, body, bodyStream);
  }

  #onRespondError(id: number, message: string, stack: string, passThrough: boolean): void {
    const f = this.#inflight.get(id);
    if (f === undefined) return;
    this.lastError = message;
    this.#log.error({ reqId: id, stack: this.code.mapStack?.(stack) ?? stack }, `uncaught exception in handler: ${message}`);
    // Falling through needs an origin, a response not started and a request body the app left unread.
    const origin = this.settings.origin;
    if (passThrough && origin !== undefined && !f.res.headersSent && f.bodyBytes === 0 && !f.bodyPiped && f.pipe === null) {
      f.responded = true;
      f.head = null;
      if (!f.isolate.disposed) f.isolate.enter(Entry.requestAbort, f.id, 'passed through to the origin', f.id, 100).catch(() => {});
      origin.forward(origin.url, f.req, f.res, (status) => this.#hooks.responseStart(this.settings.name, status));
      this.#complete(f);
    } else if (passThrough) {
      this.#finishWithError(f, 'NANO_ERR_NO_ORIGIN', origin === undefined ? 'the app passed the request through (passThroughOnException() and then an exception, or no respondWith()), but no origin is configured to pass it to' : 'the app passed the request through to its origin after reading part of the request body, which cannot be sent on');
    } else this.#finishWithError(f, 'NANO_ERR_APP_EXCEPTION', 'the app failed to handle the request');
  }

  #onSignal(name: SignalName, origin: number, args: unknown[]): void {
    switch (name) {
      case Signal.bodyReady:
        this.#responses.bodyReady(Number(args[0]));
        return;
      case Signal.bodyPull: {
        // The body stream id is its request's id (whichever request's turn reads it). Reading
        // starts after the entry that asked: if that entry returns the body untouched as its
        // response (passBody), no byte has been taken from the socket yet.
        const id = Number(args[0]);
        const cancel = args[1] === true;
        queueMicrotask(() => {
          const f = this.#inflight.get(id);
          if (f !== undefined) feedRequestBody(f, cancel, this.#limits, this.#ends);
        });
        return;
      }
      case Signal.waitUntil:
        this.#activity.countWaitUntil(Number(args[0]), Number(args[1]) > 0);
        return;
      case Signal.uncaught:
        // args: request id (0: none), message, stack (src/protocol/bridge.ts).
        this.#log.error({ reqId: Number(args[0]) || origin, stack: this.code.mapStack?.(guestText(args[2])) ?? guestText(args[2]) }, `uncaught error: ${guestText(args[1])}`);
        return;
      case Signal.entryFailed:
        this.#entryFailed(origin, args[0]);
        return;
    }
  }

  /**
   * The wall-clock limit (until the response starts), checked by one interval per app instead of
   * a timer per request; in-flight requests are in start order, so the sweep stops at the first
   * one still within its time. Precision: wallMs / 20, at most a second.
   */
  #sweepWall(): void {
    const deadline = this.#limits.wallDeadline(performance.now());
    for (const f of this.#inflight.values()) {
      if (f.started > deadline) break;
      if (!f.responded) this.#finishWithError(f, 'NANO_ERR_WALL_LIMIT', `no response within ${this.settings.wallMs} ms`);
    }
  }

  #finishWithError(f: InFlight, code: ErrorCode, message: string, retryAfterS?: number): void {
    if (f.finished) return;
    // The app's view: its request was aborted (request.signal), and the guest forgets it.
    if (!f.isolate.disposed) f.isolate.enter(Entry.requestAbort, f.id, message, f.id, 100).catch(() => {});
    if (!f.res.headersSent) {
      f.responded = true;
      f.head = null;
      sendError(f.res, code, message, false, retryAfterS);
      if (code === 'NANO_ERR_BODY_TOO_LARGE') f.req.resume();
      this.#hooks.responseStart(this.settings.name, ERRORS[code].status);
    } else {
      // Headers went out already: all we can do is cut the connection.
      f.res.destroy();
    }
    this.#complete(f);
  }

  #complete(f: InFlight): void {
    if (f.finished) return;
    f.finished = true;
    // A subrequest body piped (or reserved) for this response: stop it if it has not ended.
    if (f.pipe?.kind === 'fetch') f.pipe.download.cancel('the response ended');
    const activity = this.#activity;
    activity.ended(f.id);
    if (this.#inflight.size === 0 && this.#wallSweep !== undefined) {
      clearInterval(this.#wallSweep);
      this.#wallSweep = undefined;
    }
    this.#responses.forget(f);
    if (f.bodyOpen) {
      // Answered before reading the whole upload: the rest is discarded (the connection stays
      // usable) and a read still waiting in the guest ends with an error instead of hanging.
      f.bodyOpen = false;
      f.req.resume();
      if (!f.isolate.disposed) f.isolate.enter(Entry.bodyPush, f.id, 'the response finished before the request body was read; the rest was discarded', f.id, 100).catch(() => {});
    }
    this.#hooks.requestEnd(this.settings.name, f.cpuMs);
    activity.checkIdle();
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
    for (const f of [...this.#inflight.values()]) this.#finishWithError(f, 'NANO_ERR_APP_DRAINING', 'the server is shutting down');
    this.#activity.clearWaitUntil();
    this.#activity.checkIdle();
    return n;
  }

  /** Whether the current isolate is to get its memory-reducing GC once idle (compactIfIdle). */
  get awaitsCompaction(): boolean {
    const iso = this.#isolate;
    return iso !== null && !this.#compacted && this.#isolateRequests < COMPACT_MAX_REQUESTS && iso.canReduceMemory && !iso.disposed;
  }

  /**
   * Once the app has been idle for IDLE_COMPACT_MS, asks its isolate for a memory-reducing GC
   * (RuntimeIsolate.reduceMemory): once per isolate, and only if it served fewer than
   * COMPACT_MAX_REQUESTS requests. Returns its completion, or null when there was nothing to do.
   */
  compactIfIdle(now: number): Promise<void> | null {
    const iso = this.#isolate;
    if (iso === null || !this.awaitsCompaction) return null;
    if (!this.#activity.idleFor(now, IDLE_COMPACT_MS)) return null;
    this.#compacted = true;
    return iso.reduceMemory().then(
      () => this.#hooks.compacted(this.settings.name),
      () => undefined,
    );
  }

  /** Disposes the isolate when it has been idle for idleEvictMs. Returns true if it did. */
  evictIfIdle(now: number): boolean {
    const iso = this.#isolate;
    if (iso === null || this.settings.idleEvictMs === 0) return false;
    if (!this.#activity.idleFor(now, this.settings.idleEvictMs)) return false;
    iso.dispose();
    this.#isolate = null;
    this.#hooks.evicted(this.settings.name);
    return true;
  }

  dispose(): void {
    this.#disposed = true;
    this.#activity.clearWaitUntil();
    this.#isolate?.dispose();
    this.#isolate = null;
  }
}

/** A guest string for the log: strings only, bounded (anything else is named by its type). */
function guestText(v: unknown): string {
  return typeof v === 'string' ? v.slice(0, MAX_GUEST_MESSAGE) : `(${typeof v})`;
}
