// The isolate of one app version: built lazily (once, however many requests wait for it), moved
// from the main thread to isolated-vm's pool when its turns cost too much ("auto"), dropped on a
// restart, evicted when idle, disposed when the version retires. AppInstance owns one.
import { decodeRespond } from '../protocol/wire.js';
import type { SignalName } from '../protocol/bridge.js';
import { ExecutionPolicy, LONG_TURN_MS } from './execution-policy.js';
import { HOST_CALL_BUDGET_MS, HOST_CALL_WINDOW_MS, mainThreadSliceMs, type LimitEnforcer } from './limit-enforcer.js';
import { RuntimeIsolate, EntryError, type Execution } from './runtime-isolate.js';
import { wallTimeoutMs } from './thread-share.js';
import { instantiateApp, appStackOf, type AppCode } from './app-code.js';
import type { AppSettings } from './app-settings.js';
import type { Logger } from '../observability/logger.js';
import type { Hooks } from '../observability/hooks.js';
import { consoleLimiter, type LogLimiter } from '../observability/log-limiter.js';
import { guestLimits } from '../host-calls/guest-limits.js';
import { FETCH_POLICY, INCOMING_CDN_LOOP } from '../host-calls/fetch.js';

/** What the guest reports about its requests (guest-events.ts). */
export interface GuestHandlers {
  respond(id: number, status: number, statusText: string, headers: string, body: string | Uint8Array | null, bodyStream: number): void;
  respondError(id: unknown, message: unknown, stack: unknown, passThrough: unknown): void;
  signal(name: SignalName, origin: number, args: unknown[]): void;
}

/** What the app does with its isolate's other calls and its entries (AppInstance); arrow functions, passed on as they are. */
export interface IsolateEvents {
  readonly passBody: (id: unknown, kind: unknown, source: unknown) => unknown;
  readonly violation: (origin: number, what: string) => void;
  readonly entry: (origin: number, ms: number, hostStarted: boolean) => void;
  readonly entryTimeout: (origin: number) => number;
  /** The CDN-Loop header of request `origin`, '' when there is none. */
  readonly cdnLoop: (origin: number) => string;
  /** A new isolate was adopted (before it serves anything). */
  readonly created: (iso: RuntimeIsolate) => void;
}

export class AppIsolate {
  readonly #settings: AppSettings;
  readonly #code: AppCode;
  readonly #log: Logger;
  readonly #hooks: Hooks;
  readonly #limits: LimitEnforcer;
  readonly #guest: GuestHandlers;
  readonly #events: IsolateEvents;
  readonly #logLimiter: LogLimiter;
  /** Entries seen by the current isolate and their moving average duration (ms). */
  readonly policy = new ExecutionPolicy();
  #isolate: RuntimeIsolate | null = null;
  #creating: Promise<RuntimeIsolate> | null = null;
  #execution: Execution;
  /** Set by dispose(): an isolate finished after it is freed at once, never adopted. */
  #disposed = false;
  /** True while warm({ silent: true }) loads: a reload check reports the failure itself. */
  #silentLoad = false;
  #hostCallWarnedAt = -Infinity;
  /** The app's last failure (a load, a limit, an uncaught exception), for the admin API. */
  lastError: string | null = null;
  /** Isolates restarted for a limit or a failure (restart-policy.ts). */
  restarts = 0;

  constructor(settings: AppSettings, code: AppCode, log: Logger, hooks: Hooks, limits: LimitEnforcer, guest: GuestHandlers, events: IsolateEvents) {
    this.#settings = settings;
    this.#code = code;
    this.#log = log;
    this.#hooks = hooks;
    this.#limits = limits;
    this.#guest = guest;
    this.#events = events;
    this.#logLimiter = consoleLimiter(settings.name, settings.log, log, hooks);
    this.#execution = settings.execution === 'pool' ? 'pool' : 'main-thread';
  }

  /** The isolate, even one disposed a moment ago (null: none yet, dropped, or evicted). */
  get current(): RuntimeIsolate | null {
    return this.#isolate;
  }
  /** The isolate when it is live and no new one is being built: a request may enter it in this tick. */
  get ready(): RuntimeIsolate | null {
    const live = this.#isolate;
    return live !== null && !live.disposed && this.#creating === null ? live : null;
  }
  get creating(): boolean {
    return this.#creating !== null;
  }
  get execution(): Execution {
    return this.#execution;
  }
  /** Entries of an "auto" app on the main thread get only the main thread's slice (limit-enforcer.ts). @limit execution */
  get sliced(): boolean {
    return this.#settings.execution === 'auto' && this.#execution === 'main-thread';
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

  /** Builds the isolate now; with `silent`, a load failure is only thrown (and kept in lastError). */
  async warm(silent: boolean): Promise<void> {
    this.#silentLoad = silent;
    try {
      await this.ensure();
    } finally {
      this.#silentLoad = false;
    }
  }

  ensure(): Promise<RuntimeIsolate> {
    if (this.#isolate !== null && !this.#isolate.disposed) return Promise.resolve(this.#isolate);
    this.#creating ??= this.#create().finally(() => {
      this.#creating = null;
    });
    return this.#creating;
  }

  /** Disposes `iso` and forgets it if it is the current one; true if it was live until now. */
  drop(iso: RuntimeIsolate): boolean {
    const wasLive = !iso.disposed || iso === this.#isolate;
    iso.dispose();
    if (this.#isolate === iso) this.#isolate = null;
    return wasLive;
  }

  /** Disposes the current isolate (idle eviction, cool()). */
  free(): void {
    this.#isolate?.dispose();
    this.#isolate = null;
  }

  /** The version retires: the isolate is freed, and one still being built is freed once built. */
  dispose(): void {
    this.#disposed = true;
    this.free();
  }

  /** Moves an "auto" app to the isolate thread pool for good (this version of it). */
  moveToPool(why: string, detail: Record<string, unknown>): void {
    if (this.#execution === 'pool') return;
    this.#execution = 'pool';
    this.#isolate?.setExecution('pool');
    this.#log.info(detail, `${why}: running it on the isolate thread pool`);
  }

  /**
   * Builds the app's isolate. Module evaluation on the main thread gets the slice only; an app
   * whose start-up needs more moves to the pool and is built again there, with its full cpuMs.
   */
  async #create(): Promise<RuntimeIsolate> {
    try {
      return await this.#build();
    } catch (err) {
      if (!(err instanceof EntryError && err.failure === 'timeout' && this.sliced)) throw err;
      this.moveToPool('app start-up takes more than the main thread\'s slice', { sliceMs: mainThreadSliceMs(), wallMs: wallTimeoutMs(mainThreadSliceMs(), true) });
      return this.#build();
    }
  }

  async #build(): Promise<RuntimeIsolate> {
    const s = this.#settings;
    const ev = this.#events;
    const guest = this.#guest;
    const start = performance.now();
    const iso = await RuntimeIsolate.create({
      name: s.name,
      // @limit memoryMb: V8 enforces it as the isolate's heap limit (a restart: restart-policy.ts).
      memoryLimitMb: s.memoryMb,
      execution: this.#execution,
      onLog: (level, text) => this.#appLog(level, text),
      calls: {
        respond: (id, status, statusText, headers, body, bodyStream) => {
          const r = decodeRespond(id, status, statusText, headers, body, bodyStream);
          if (r === null) return ev.violation(typeof id === 'number' ? id : 0, 'a response that is not a (status, headers, body) triple');
          guest.respond(r.id, r.status, r.statusText, r.headers, r.body, r.bodyStream);
        },
        respondError: (id, message, stack, passThrough) => guest.respondError(id, message, stack, passThrough),
        passBody: ev.passBody,
        limits: () => guestLimits(this.#logLimiter.wire(), s.memoryMb),
      },
      onSignal: (name, origin, args) => guest.signal(name, origin, args),
      onEntry: ev.entry,
      entryTimeout: ev.entryTimeout,
      onRefused: (what) => this.#log.warn({ limit: 'timers' }, what),
      hostCalls: {
        allowed: (now) => this.#limits.hostCallAllowed(now),
        charge: (ms) => this.#limits.chargeHostCall(ms),
        refused: (name) => this.#hostCallRefused(name),
      },
      opState: [...(s.fetch !== undefined ? [[FETCH_POLICY, s.fetch] as const] : []), [INCOMING_CDN_LOOP, ev.cdnLoop] as const],
    });
    const onMain = this.#execution === 'main-thread';
    const timeoutMs = this.sliced ? Math.min(s.cpuMs, mainThreadSliceMs()) : s.cpuMs;
    const evaluating = performance.now();
    // A start-up that held the main thread as long as a long turn moves the app, whether it
    // succeeded or not: its next isolate (a restart, a crash loop's retry) starts on the pool.
    const startedLong = (): void => {
      const ms = performance.now() - evaluating;
      if (onMain && this.sliced && ms > LONG_TURN_MS) this.moveToPool('app start-up held the main thread', { startMs: Math.round(ms) });
    };
    try {
      // Service bindings, [[binding, app], …]: the guest makes each an object with fetch().
      const services = s.fetch?.services === undefined ? '' : JSON.stringify(Object.entries(s.fetch.services));
      if (!this.#code.moduleSyntax) iso.installEnvGlobals(s.envJson, services);
      const mod = await instantiateApp(iso.isolate, iso.context, this.#code, timeoutMs, onMain);
      let def;
      if (this.#code.moduleSyntax) def = mod.namespace.getSync('default', { reference: true });
      await iso.initApp(def, s.envJson, timeoutMs, onMain, services);
      def?.release();
    } catch (err) {
      const outOfMemory = iso.isolate.isDisposed;
      iso.dispose();
      const message = err instanceof Error ? err.message : String(err);
      const timedOut = /Script execution timed out/.test(message);
      if (timedOut && this.sliced) throw new EntryError('timeout', message);
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
    ev.created(iso);
    this.policy.isolateCreated();
    this.#hooks.isolateCreated(s.name, performance.now() - start);
    return iso;
  }

  /** A synchronous host call was refused for the main-thread budget: said at most every 10 s. */
  #hostCallRefused(name: string): void {
    const now = performance.now();
    if (now - this.#hostCallWarnedAt < 10_000) return;
    this.#hostCallWarnedAt = now;
    this.#log.warn({ limit: 'hostCalls', call: name, budgetMs: HOST_CALL_BUDGET_MS, windowMs: HOST_CALL_WINDOW_MS }, `synchronous host calls refused: the app used ${HOST_CALL_BUDGET_MS} ms of the main thread within ${HOST_CALL_WINDOW_MS} ms`);
  }

  #appLog(level: string, text: string): void {
    const lvl = level === 'error' ? 'error' : level === 'warn' ? 'warn' : level === 'debug' ? 'debug' : 'info';
    const line = this.#logLimiter.admit(level, text);
    if (line !== null) this.#log[lvl]({ src: 'console' }, this.#code.mapStack?.(line) ?? line);
  }
}
