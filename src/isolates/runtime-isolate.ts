// An isolate with the NANO web runtime installed, exactly as every app and every conformance test
// gets it: the one place that creates isolated-vm isolates (from runtime-image.ts), enters them,
// answers their host calls and ops (host-calls/registry.ts), and runs their timers.
import ivm from 'isolated-vm';
import { Entry, MAX_LIVE_TIMERS, Signal, TIMER_BATCH, TIMER_CLAMP_MS, TIMER_NESTING_LEVEL, type EntryKind, type GuestSignal, type SignalName } from '../protocol/bridge.js';
import { decodeOutbox, OUTBOX_ENABLED, OUTBOX_WAITING } from '../protocol/outbox.js';
import type { WindowTake } from '../protocol/window-take.js';
import type { IsolateCallName } from '../protocol/host-api.js';
import { noteIsolateDisposed } from './memory-release.js';
import { cpuChargeMs, wallTimeoutMs } from './thread-share.js';
import { defaultStartup, installRuntime, runtimeSnapshot, type Startup } from './runtime-image.js';
import { OP_HANDLERS, SYNC_CALL_HANDLERS } from '../host-calls/registry.js';
import { OpError } from '../host-calls/ops.js';
import { takeDownload, type PipedDownload } from '../host-calls/fetch.js';

export type Execution = 'main-thread' | 'pool';

/** The signals a guest may send: all of Signal but the host's own entryFailed. */
const GUEST_SIGNALS: ReadonlySet<string> = new Set(Object.values(Signal).filter((n) => n !== Signal.entryFailed));
function isGuestSignal(name: string): name is GuestSignal {
  return GUEST_SIGNALS.has(name);
}

export interface RuntimeIsolateOptions {
  readonly name: string;
  readonly memoryLimitMb?: number;
  /** Where entries run; switchable later with `setExecution`. Default 'main-thread'. */
  readonly execution?: Execution;
  /** console.* and uncaught errors from the guest. `origin` is the request id (0: none). */
  readonly onLog?: (level: string, text: string, origin: number) => void;
  /** The synchronous calls owned by the caller (`respond`, `respondError`, `passBody`, `limits`). */
  readonly calls?: Readonly<Partial<Record<IsolateCallName, (...args: unknown[]) => unknown>>>;
  /** Signals the caller handles: bodyReady, bodyPull, waitUntil, uncaught, and the host's own entryFailed. */
  readonly onSignal?: (name: SignalName, origin: number, args: unknown[]) => void;
  /**
   * Called after every entry with its origin and the CPU time it is charged: its duration on the
   * clock, less the share its thread spent waiting for a core lately (thread-share.ts).
   */
  readonly onEntry?: (origin: number, ms: number, hostStarted: boolean) => void;
  /**
   * Timeout for entries the host starts on its own (timers, op completions); default 1000 ms. Every
   * entry's timeout is CPU time; the wall-clock timeout given is longer while its thread waits.
   */
  readonly entryTimeout?: (origin: number) => number;
  /**
   * The main-thread budget of synchronous host calls made while the isolate runs on the pool:
   * `allowed` is asked before each call (false: the call throws), `charge` gets its duration.
   */
  readonly hostCalls?: { allowed(now: number): boolean; charge(ms: number): void; refused(name: string): void };
  /** A request of the guest's was refused for a cap (live timers); said once per isolate. */
  readonly onRefused?: (what: string) => void;
  /** Initial OpContext.isolateState entries (e.g. the app's FetchPolicy under FETCH_POLICY). */
  readonly opState?: Iterable<readonly [symbol, unknown]>;
  /** How the runtime gets into the isolate (default: `defaultStartup()`). */
  readonly startup?: Startup;
}

/** Why an entry failed, in the terms the caller acts on. */
/**
 * timeout: the entry ran past its timeout (stopped by isolated-vm); memory: V8 disposed the
 * isolate at its memory limit; disposed: the host disposed it (restart, eviction, retirement);
 * protocol: the guest sent something that breaks the wire contract; error: anything else.
 */
export type EntryFailure = 'timeout' | 'memory' | 'disposed' | 'protocol' | 'error';
export class EntryError extends Error {
  readonly failure: EntryFailure;
  /** The isolate the entry ran in, when known: a failure belongs to it, not to its successor. */
  readonly source: RuntimeIsolate | null;
  /** The entry ran synchronously on the main thread (so a timeout may be the main thread's slice). */
  readonly mainThread: boolean;
  constructor(failure: EntryFailure, message: string, source: RuntimeIsolate | null = null, mainThread = false) {
    super(message);
    this.name = 'EntryError';
    this.failure = failure;
    this.source = source;
    this.mainThread = mainThread;
  }
}

/**
 * Waits briefly so isolated-vm's threads finish unwinding isolates disposed mid-run before the
 * process exits: exiting during that teardown has been seen (rarely) to abort in isolated-vm's
 * IsolateEnvironment::GetCurrent assertion. Call before a deliberate exit.
 */
export function isolateTeardownGrace(ms = 250): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The app whose isolate the host entered last (for the process's last-resort error log). */
let lastEntered = '';
export function lastEnteredApp(): string {
  return lastEntered;
}

export class RuntimeIsolate {
  readonly name: string;
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  readonly #entry: ivm.Reference<(...args: unknown[]) => unknown>;
  readonly #opts: RuntimeIsolateOptions;
  readonly #timers = new Map<number, { handle: NodeJS.Timeout | NodeJS.Immediate; origin: number; repeat: boolean; immediate: boolean; clamped: boolean }>();
  #timersRefused = false;
  /** Timers that fell due this turn, as [id, origin] pairs (#due). */
  #dueTimers: number[] = [];
  #execution: Execution;
  /** Response outbox flags shared with the guest (src/protocol/outbox.ts). */
  readonly #outbox: Int32Array;
  #busy = false;
  #queue: (() => void)[] = [];
  #tail: Promise<unknown> = Promise.resolve();
  #disposed = false;
  /** OpContext.isolateState: host-side state of this isolate's ops (CryptoKey material, …). */
  readonly #opState = new Map<symbol, unknown>();
  readonly #canReduceMemory: boolean;

  private constructor(opts: RuntimeIsolateOptions, isolate: ivm.Isolate, context: ivm.Context, entry: ivm.Reference<(...args: unknown[]) => unknown>, outbox: Int32Array, native: boolean) {
    this.name = opts.name;
    this.#canReduceMemory = native;
    this.#opts = opts;
    for (const [k, v] of opts.opState ?? []) this.#opState.set(k, v);
    this.isolate = isolate;
    this.context = context;
    this.#entry = entry;
    this.#outbox = outbox;
    this.#execution = opts.execution ?? 'main-thread';
    Atomics.store(outbox, OUTBOX_ENABLED, this.#execution === 'main-thread' ? 1 : 0);
  }

  static async create(opts: RuntimeIsolateOptions): Promise<RuntimeIsolate> {
    const fromSnapshot = (opts.startup ?? defaultStartup()) === 'snapshot';
    const isolate = new ivm.Isolate({ memoryLimit: opts.memoryLimitMb ?? 128, ...(fromSnapshot ? { snapshot: runtimeSnapshot() } : {}) });
    try {
      const context = isolate.createContextSync();
      // The holder lets the callbacks reach the instance that does not exist yet.
      const holder: { self: RuntimeIsolate | null } = { self: null };
      const call = new ivm.Callback((name: unknown, ...args: unknown[]) => (holder.self === null ? undefined : holder.self.#onCall(name, args)));
      const send = new ivm.Callback((name: unknown, origin: unknown, ...args: unknown[]) => holder.self === null ? undefined : holder.self.#onSend(name, origin, args), { ignored: true });
      const global = context.global;
      global.setSync('__nano_call', call);
      global.setSync('__nano_send', send);
      const { native, units } = installRuntime(isolate, context, fromSnapshot);
      const boot = global.getSync('__nano_boot', { reference: true }) as ivm.Reference<(outboxFlags: SharedArrayBuffer, native?: unknown, ...unitSources: string[]) => void>;
      const outbox = new Int32Array(new SharedArrayBuffer(8));
      boot.applySync(undefined, [new ivm.ExternalCopy(outbox.buffer).copyInto({ release: true }), native?.derefInto(), ...units], { timeout: 1000 });
      native?.release();
      boot.release();
      const entry = global.getSync('__nano_entry', { reference: true }) as ivm.Reference<(...args: unknown[]) => unknown>;
      global.deleteSync('__nano_entry');
      const self = new RuntimeIsolate(opts, isolate, context, entry, outbox, native !== undefined);
      holder.self = self;
      return self;
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw err;
    }
  }

  get disposed(): boolean {
    return this.#disposed || this.isolate.isDisposed;
  }

  /** The failure of an entry into a disposed isolate: by the host, or by V8 at the memory limit. */
  #gone(message = 'isolate is disposed'): EntryError {
    return new EntryError(this.#disposed ? 'disposed' : 'memory', message, this);
  }
  get execution(): Execution {
    return this.#execution;
  }
  setExecution(mode: Execution): void {
    this.#execution = mode;
    // In the pool the guest calls back with each response (what it queued so far is collected
    // after the entry that made this switch).
    Atomics.store(this.#outbox, OUTBOX_ENABLED, mode === 'main-thread' ? 1 : 0);
  }

  /** True when this isolate has the lazy-load native module, so reduceMemory() does something. */
  get canReduceMemory(): boolean {
    return this.#canReduceMemory;
  }

  /**
   * A memory-reducing full GC (V8's LowMemoryNotification) through the native module, for an
   * isolate that went idle (what it saves and costs: the docs' performance page, "Idle compaction").
   * It runs on isolated-vm's thread pool in either execution mode, off the main thread, after
   * any entry already queued; it is not charged to the app (no onEntry).
   */
  reduceMemory(): Promise<unknown> {
    if (!this.#canReduceMemory || this.disposed) return Promise.resolve(undefined);
    const run = (): Promise<unknown> => this.#entry.apply(undefined, [Entry.reduceMemory, null, null, 0] as never[], { timeout: 1000 });
    const p = this.#tail.then(run, run);
    this.#tail = p.catch(() => undefined);
    return p;
  }

  /** Runs a classic script in the global scope (conformance tests, helpers). */
  async runScript(code: string, filename: string, timeoutMs = 10_000): Promise<void> {
    const script = await this.isolate.compileScript(code, { filename });
    try {
      // The completion value stays in the isolate (a Reference released at once): scripts may end in anything.
      await this.#serialize(() => script.run(this.context, { timeout: timeoutMs, reference: true }).then((r) => r.release()), 0);
    } catch (err) {
      throw this.#classify(err);
    } finally {
      script.release();
    }
  }

  /** Service-worker syntax: installs the env bindings (service bindings too) as globals before app code runs. */
  installEnvGlobals(envJson: string, servicesJson = ''): void {
    this.#entry.applySync(undefined, [Entry.envGlobals, envJson, null, 0, servicesJson], { timeout: 1000 });
  }

  /**
   * Entry.init with the app's default export (a Reference inside this isolate) or none, and its
   * service bindings. It may run app code (getters on the export), so it runs where the app's
   * other code runs.
   */
  async initApp(defaultExport: ivm.Reference | undefined, envJson: string, timeoutMs: number, sync: boolean, servicesJson = ''): Promise<void> {
    const args = [Entry.init, defaultExport?.derefInto(), envJson, 0, servicesJson] as never[];
    try {
      if (sync) this.#entry.applySync(undefined, args, { timeout: wallTimeoutMs(timeoutMs, true) });
      else await this.#entry.apply(undefined, args, { timeout: wallTimeoutMs(timeoutMs, false) });
    } catch (err) {
      throw this.#classify(err);
    }
  }

  /**
   * Enters the guest. On the main thread the entry runs synchronously (and its microtasks with it);
   * in the pool it runs on isolated-vm's thread. Entries into one isolate never overlap.
   */
  enter(kind: EntryKind, a: unknown, b: unknown, origin: number, timeoutMs: number): Promise<unknown> {
    return this.#run([kind, a, b, origin], true, origin, timeoutMs);
  }

  /**
   * Entry.dispatch with primitive arguments only, so nothing is structured-cloned on the way in
   * (the hot path: an object copy costs more than the rest of the crossing).
   */
  dispatch(id: number, method: string, url: string, headers: string, bodyStream: number, timeoutMs: number): Promise<unknown> {
    return this.#run([Entry.dispatch, id, method, id, url, headers, bodyStream], false, id, timeoutMs);
  }

  /**
   * Entry.bodyPush of request body bytes. A chunk that owns its whole ArrayBuffer (what Node's
   * HTTP parser hands over for bodies) moves into the isolate without a copy: its memory is
   * transferred out of the host and in as the guest chunk's buffer, and the host's heap stops
   * counting it at once. Other chunks are copied, exactly their bytes (never the rest of a pooled
   * buffer).
   */
  pushBytes(streamId: number, bytes: Buffer, origin: number, timeoutMs: number): Promise<unknown> {
    if (this.disposed) return Promise.reject(this.#gone());
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    const copy = whole ? new ivm.ExternalCopy(bytes.buffer, { transferOut: true }) : new ivm.ExternalCopy(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return this.#run([Entry.bodyPush, streamId, copy.copyInto({ release: true, transferIn: true }), origin], false, origin, timeoutMs);
  }

  /** Subrequest `id`'s response body for the host to pipe itself, if none of it reached the guest. */
  takeDownload(id: number): PipedDownload | null {
    if (this.disposed) return null;
    return takeDownload({ appName: this.name, isolateState: this.#opState, origin: 0 }, id);
  }

  /** Entry.bodyTakeInto: primitives both ways (src/protocol/window-take.ts). */
  takeInto(streamId: number, offset: number, max: number, origin: number, timeoutMs: number): Promise<WindowTake> {
    return this.#run([Entry.bodyTakeInto, streamId, offset, origin, max], false, origin, timeoutMs) as Promise<WindowTake>;
  }

  /** Entry.dispatchBatch: several requests in one string (see src/protocol/bridge.ts). */
  dispatchBatch(batch: string, origin: number, timeoutMs: number): Promise<unknown> {
    return this.#run([Entry.dispatchBatch, batch, null, origin], false, origin, timeoutMs);
  }

  #run(args: unknown[], copy: boolean, origin: number, timeoutMs: number): Promise<unknown> {
    if (this.disposed) return Promise.reject(this.#gone());
    lastEntered = this.name;
    // Timers and op completions: entries the host starts on its own, outside any request's turn.
    const hostStarted = args[0] === Entry.timer || args[0] === Entry.complete;
    const onMain = this.#execution === 'main-thread';
    const timeout = wallTimeoutMs(timeoutMs, onMain);
    const opts = copy ? { arguments: { copy: true }, result: { copy: true }, timeout } : { timeout };
    if (onMain) {
      if (this.#busy) {
        return new Promise((resolve, reject) => this.#queue.push(() => this.#run(args, copy, origin, timeoutMs).then(resolve, reject)));
      }
      this.#busy = true;
      const start = performance.now();
      let result: Promise<unknown>;
      try {
        result = Promise.resolve(this.#entry.applySync(undefined, args as never[], opts as ivm.ReferenceApplyOptions));
      } catch (err) {
        result = Promise.reject(this.#classify(err, true));
      } finally {
        this.#busy = false;
        this.#opts.onEntry?.(origin, cpuChargeMs(performance.now() - start, true), hostStarted);
      }
      if (Atomics.load(this.#outbox, OUTBOX_WAITING) !== 0) this.#collect();
      this.#drainQueue();
      return result;
    }
    return this.#serialize(() => this.#entry.apply(undefined, args as never[], opts as ivm.ReferenceApplyOptions), origin, hostStarted).catch((err: unknown) => {
      throw this.#classify(err);
    });
  }

  /**
   * Entry.collect: takes what the guest queued during the entries so far and hands each response
   * to `calls.respond` and each bodyReady to `onSignal`, as if the guest had called back
   * (src/protocol/outbox.ts).
   */
  #collect(): void {
    if (this.disposed) return;
    let text: string;
    try {
      // No timeout (isolated-vm starts a timer thread wake per timed entry): collect runs only the
      // runtime's own string concatenation, and no app code or microtask of the app runs in it.
      text = String(this.#entry.applySync(undefined, [Entry.collect, null, null, 0] as never[]));
    } catch {
      // A failing collect means the isolate is being torn down; its requests get their 503 there.
      return;
    }
    const respond = this.#opts.calls?.respond;
    const ok = decodeOutbox(text, {
      response: (id, status, statusText, headers, body) => {
        try {
          respond?.(id, status, statusText, headers, body, 0);
        } catch (err) {
          this.#opts.onLog?.('error', `nano: delivering a queued response failed: ${err instanceof Error ? err.message : String(err)}`, 0);
        }
      },
      bodyReady: (streamId) => this.#opts.onSignal?.(Signal.bodyReady, 0, [streamId]),
    });
    if (!ok) this.#opts.onSignal?.('entryFailed', 0, [new EntryError('protocol', 'a response outbox that breaks its format', this)]);
  }

  #drainQueue(): void {
    const next = this.#queue.shift();
    if (next !== undefined) queueMicrotask(next);
  }

  /** Pool entries are chained per isolate so each one's duration can be measured. */
  #serialize<T>(fn: () => Promise<T>, origin: number, hostStarted = false): Promise<T> {
    const run = async (): Promise<T> => {
      const start = performance.now();
      try {
        return await fn();
      } finally {
        this.#opts.onEntry?.(origin, cpuChargeMs(performance.now() - start, false), hostStarted);
      }
    };
    const p = this.#tail.then(run, run);
    this.#tail = p.catch(() => undefined);
    return p;
  }

  #classify(err: unknown, mainThread = false): EntryError {
    if (err instanceof EntryError) return err;
    const message = err instanceof Error ? err.message : String(err);
    if (this.isolate.isDisposed) return this.#gone(message);
    if (/Script execution timed out/.test(message)) return new EntryError('timeout', message, this, mainThread);
    const e = new EntryError('error', message, this);
    if (err instanceof Error && err.stack !== undefined) e.stack = err.stack;
    return e;
  }

  #onCall(name: unknown, args: unknown[]): unknown {
    if (typeof name !== 'string') throw new TypeError('bad host call');
    // Own properties only: a name such as "constructor" must not reach Object.prototype.
    const calls = this.#opts.calls;
    if (calls !== undefined && Object.hasOwn(calls, name)) {
      const own = calls[name as IsolateCallName];
      if (own !== undefined) return own(...args);
    }
    if (!Object.hasOwn(SYNC_CALL_HANDLERS, name)) throw new TypeError(`unknown host call ${name.slice(0, 40)}`);
    const fn = SYNC_CALL_HANDLERS[name as keyof typeof SYNC_CALL_HANDLERS];
    const budget = this.#opts.hostCalls;
    if (this.#execution === 'main-thread' || budget === undefined) return fn(...args);
    if (!budget.allowed(performance.now())) {
      budget.refused(name);
      throw new RangeError(`This app's synchronous host calls (${name}) used their share of the main thread for now; retry later`);
    }
    // The main thread's CPU time, not the clock: on a starved machine the clock would charge an
    // app for the wait, and a legitimate large decode would be refused.
    const start = process.threadCpuUsage();
    try {
      return fn(...args);
    } finally {
      const used = process.threadCpuUsage(start);
      budget.charge((used.user + used.system) / 1000);
    }
  }

  #onSend(name: unknown, originArg: unknown, args: unknown[]): void {
    if (this.disposed || typeof name !== 'string') return;
    const origin = typeof originArg === 'number' ? originArg : 0;
    // Signals arrive as asynchronous callbacks: an exception here would reach the process.
    try {
      this.#signal(name, origin, args);
    } catch (err) {
      this.#opts.onLog?.('error', `nano: signal ${name.slice(0, 40)} failed: ${err instanceof Error ? err.message : String(err)}`, origin);
      this.#opts.onSignal?.(Signal.entryFailed, origin, [new EntryError('protocol', `signal ${name.slice(0, 40)} with unusable arguments`, this)]);
    }
  }

  #signal(name: string, origin: number, args: unknown[]): void {
    switch (name) {
      case Signal.log:
        this.#opts.onLog?.(String(args[0]), String(args[1]), origin);
        return;
      case Signal.timerStart:
        this.#startTimer(Number(args[0]), Number(args[1]), args[2] === true, origin);
        return;
      case Signal.timerClear:
        this.#clearTimer(Number(args[0]));
        return;
      case Signal.op:
        void this.#runOp(Number(args[0]), String(args[1]), args[2], origin);
        return;
      default:
        // The guest's own signals only: entryFailed is the host's (a guest cannot forge one).
        if (isGuestSignal(name)) this.#opts.onSignal?.(name, origin, args);
    }
  }

  /**
   * A guest timer. At most MAX_LIVE_TIMERS live at once (the guest throws past it; a start past
   * it here is ignored). A repeating timer under TIMER_CLAMP_MS is clamped to it after
   * TIMER_NESTING_LEVEL firings, as browsers clamp nested timers (the guest clamps nested
   * setTimeout chains), so `setInterval(f, 0)` cannot become a stream of immediate entries.
   */
  #startTimer(id: number, delay: number, repeat: boolean, origin: number): void {
    if (!Number.isSafeInteger(id) || this.#timers.has(id)) return;
    if (this.#timers.size >= MAX_LIVE_TIMERS) {
      if (!this.#timersRefused) this.#opts.onRefused?.(`more than ${MAX_LIVE_TIMERS} live timers: further timers are refused`);
      this.#timersRefused = true;
      return;
    }
    const ms = typeof delay === 'number' && Number.isFinite(delay) && delay > 0 ? Math.min(delay, 2 ** 31 - 1) : 0;
    let fired = 0;
    const fire = (): void => {
      const t = this.#timers.get(id);
      if (t === undefined) return;
      if (!t.repeat) this.#timers.delete(id);
      else if (++fired >= TIMER_NESTING_LEVEL && ms < TIMER_CLAMP_MS && !t.clamped) {
        if (t.immediate) clearImmediate(t.handle as NodeJS.Immediate);
        else clearInterval(t.handle as NodeJS.Timeout);
        t.handle = setInterval(fire, TIMER_CLAMP_MS);
        t.immediate = false;
        t.clamped = true;
      } else if (t.immediate) t.handle = setImmediate(fire);
      this.#due(id, origin);
    };
    const immediate = ms === 0;
    const handle = immediate ? setImmediate(fire) : repeat ? setInterval(fire, ms) : setTimeout(fire, ms);
    this.#timers.set(id, { handle, origin, repeat, immediate, clamped: false });
  }

  /**
   * Queues a timer that fell due; the queue is entered after this turn's timers ran, one entry
   * per timer, or, past TIMER_BATCH of them, one entry per origin with the list (so ten thousand
   * intervals cost a few entries per tick rather than ten thousand).
   */
  #due(id: number, origin: number): void {
    this.#dueTimers.push(id, origin);
    if (this.#dueTimers.length === 2) setImmediate(() => this.#enterDue());
  }

  #enterDue(): void {
    const due = this.#dueTimers;
    this.#dueTimers = [];
    if (this.disposed) return;
    const failed = (origin: number) => (err: unknown) => this.#opts.onSignal?.(Signal.entryFailed, origin, [err]);
    if (due.length <= 2 * TIMER_BATCH) {
      for (let i = 0; i < due.length; i += 2) {
        const origin = due[i + 1] as number;
        this.enter(Entry.timer, due[i], null, origin, this.#timerTimeout(origin)).catch(failed(origin));
      }
      return;
    }
    const byOrigin = new Map<number, number[]>();
    for (let i = 0; i < due.length; i += 2) {
      const origin = due[i + 1] as number;
      const ids = byOrigin.get(origin);
      if (ids === undefined) byOrigin.set(origin, [due[i] as number]);
      else ids.push(due[i] as number);
    }
    for (const [origin, ids] of byOrigin) this.enter(Entry.timer, ids, null, origin, this.#timerTimeout(origin)).catch(failed(origin));
  }

  #timerTimeout(origin: number): number {
    return this.#opts.entryTimeout?.(origin) ?? 1000;
  }

  #clearTimer(id: number): void {
    const t = this.#timers.get(id);
    if (t === undefined) return;
    this.#timers.delete(id);
    if (t.immediate) clearImmediate(t.handle as NodeJS.Immediate);
    else clearTimeout(t.handle as NodeJS.Timeout);
  }


  async #runOp(id: number, name: string, args: unknown, origin: number): Promise<void> {
    const op = OP_HANDLERS.get(name);
    let result: [boolean, unknown];
    try {
      if (op === undefined) throw new OpError('TypeError', `${name} is not supported`);
      result = [true, await op(Array.isArray(args) ? args : [], { appName: this.name, isolateState: this.#opState, origin })];
    } catch (err) {
      result = err instanceof OpError ? [false, [err.name, err.message]] : [false, ['TypeError', 'internal error']];
      if (!(err instanceof OpError)) this.#opts.onLog?.('error', `host op ${name} failed: ${err instanceof Error ? err.stack : String(err)}`, origin);
    }
    if (this.disposed) return;
    await this.enter(Entry.complete, id, result, origin, this.#timerTimeout(origin)).catch((err: unknown) => this.#opts.onSignal?.(Signal.entryFailed, origin, [err]));
  }

  /** Idempotent: clears timers and frees the isolate (ending everything running inside). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const id of [...this.#timers.keys()]) this.#clearTimer(id);
    this.#queue = [];
    // Op families holding host resources (open subrequests, zlib streams) free them here.
    for (const v of this.#opState.values()) {
      if (typeof (v as { dispose?: unknown } | null)?.dispose === 'function') (v as { dispose(): void }).dispose();
    }
    this.#opState.clear();
    this.#entry.release();
    if (!this.isolate.isDisposed) this.isolate.dispose();
    noteIsolateDisposed();
  }
}
