// One app's limits, applied in one place: the timeout of every entry into its isolate (per request
// CPU, the main thread's slice, background work's budget per window), the request body size, the
// wall clock until a response, how long waitUntil work is waited for, and the crash-loop backoff
// that keeps an app which keeps failing from costing anything while it waits. AppInstance asks it;
// the limits themselves come from the resolved config (src/config/schema.ts holds every default).
import { wallTimeoutMs } from './thread-share.js';

// The constants below are fixed by NANO, not config fields: they protect the shared main thread
// and the process, so no app's config may loosen them.

/**
 * Longest time one synchronous entry may hold the main thread, which every app shares. An entry
 * that runs longer is stopped and the app moves to the isolate thread pool for good (its isolate
 * is restarted), so a looping app blocks its neighbours once, for this long, instead of for its
 * whole cpuMs on every request. This slice is for entries whose stop loses nothing: a GET or HEAD
 * with nothing sent yet runs again on the pool, and a start-up is built again there.
 */
export const MAIN_THREAD_SLICE_MS = 50;
/**
 * The slice of an entry whose stop would lose work: a request that cannot be replayed (a body was
 * read, a response begun, a method that is not safe) gets 503, background work is cut off. Such
 * entries get longer, so a legitimate first upload is not failed for a one-off 60 ms turn.
 */
export const MAIN_THREAD_SLICE_UNREPLAYABLE_MS = 200;
/**
 * The main thread's slice, in CPU milliseconds, for an entry whose stop loses nothing
 * (`replayable`, the default) or one whose stop would. Like every entry timeout it is CPU time:
 * the isolate converts it into the wall-clock timeout it gives (thread-share.ts), longer while
 * the machine keeps the main thread waiting for a core.
 */
export function mainThreadSliceMs(replayable = true): number {
  return replayable ? MAIN_THREAD_SLICE_MS : MAIN_THREAD_SLICE_UNREPLAYABLE_MS;
}
/**
 * Background work (timers and `waitUntil` work running after its request ended) draws from a
 * budget of the app's cpuMs per window of this length; past it the isolate is restarted.
 */
export const BACKGROUND_WINDOW_MS = 10_000;
/** How long `ctx.waitUntil` work may keep an app busy after its response (as Workers: 30 s). */
export const WAIT_UNTIL_MS = 30_000;
/** Crash-loop backoff: the first wait, doubled per consecutive failure up to the maximum. */
export const BACKOFF_FIRST_MS = 250;
export const BACKOFF_MAX_MS = 60_000;
/** Failures in a row (no request served in between) before the backoff starts. */
export const BACKOFF_AFTER_FAILURES = 2;

/**
 * Synchronous host calls (URL parsing, legacy decodes, …) made by an app on the isolate pool run on
 * the main thread, which every app shares, outside any entry's timeout. They draw from this budget
 * of the main thread's CPU milliseconds per window; past it a call throws until the window ends.
 * (Apps on the main thread pay for their calls inside their entries' slice.)
 */
export const HOST_CALL_BUDGET_MS = 250;
export const HOST_CALL_WINDOW_MS = 1000;

/** The limits an app runs under, resolved from its config and the defaults. */
export interface AppLimits {
  readonly memoryMb: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly maxBodyBytes: number;
}

export class LimitEnforcer {
  readonly limits: AppLimits;
  #windowStart = 0;
  #backgroundMs = 0;
  #failures = 0;
  #retryAt = 0;
  #hostWindowStart = 0;
  #hostCallMs = 0;

  constructor(limits: AppLimits) {
    this.limits = limits;
  }

  /** Timeout of an entry for a request that used `usedMs` of CPU so far. @limit cpuMs */
  requestTimeout(usedMs: number, mainThread: boolean, replayable: boolean): number {
    const left = Math.max(1, this.limits.cpuMs - usedMs);
    return mainThread ? Math.min(left, mainThreadSliceMs(replayable)) : left;
  }

  /** Timeout of an entry that serves no request in flight (a timer, an op completion, waitUntil work). */
  backgroundTimeout(now: number, mainThread: boolean): number {
    this.#roll(now);
    const left = Math.max(1, Math.min(this.limits.cpuMs, this.limits.cpuMs - this.#backgroundMs));
    return mainThread ? Math.min(left, mainThreadSliceMs(false)) : left;
  }

  /** Charges background work; true once the window's budget is spent. */
  chargeBackground(ms: number, now: number): boolean {
    this.#roll(now);
    this.#backgroundMs += ms;
    return this.#backgroundMs >= this.limits.cpuMs;
  }

  /** Whether a request body of `bytes` bytes is over maxBodyBytes (413, or a piped body cut). @limit maxBodyBytes */
  bodyTooLarge(bytes: number): boolean {
    return bytes > this.limits.maxBodyBytes;
  }

  /** Requests started before this (performance.now() time) are past wallMs (wall-sweep.ts ends them). @limit wallMs */
  wallDeadline(now: number): number {
    return now - this.limits.wallMs;
  }

  /** How often the wall limit is checked: wallMs / 20, between 5 ms and a second. */
  wallSweepMs(): number {
    return Math.min(1000, Math.max(5, Math.floor(this.limits.wallMs / 20)));
  }

  /** Whether a timeout on the main thread was the slice rather than the request's own budget. */
  isSlice(usedMs: number): boolean {
    // The entry's own time is charged already: a slice timeout leaves the request budget unspent.
    return usedMs < this.limits.cpuMs - 2;
  }

  #roll(now: number): void {
    if (now - this.#windowStart >= BACKGROUND_WINDOW_MS) {
      this.#windowStart = now;
      this.#backgroundMs = 0;
    }
  }

  /** Whether a pool app may make a synchronous host call now (its budget for the window is not spent). */
  hostCallAllowed(now: number): boolean {
    // The window is the main thread's CPU time too: on a starved machine a second of the clock
    // holds less of it, and the app's share of it is what the budget bounds.
    if (now - this.#hostWindowStart >= wallTimeoutMs(HOST_CALL_WINDOW_MS, true)) {
      this.#hostWindowStart = now;
      this.#hostCallMs = 0;
    }
    return this.#hostCallMs < HOST_CALL_BUDGET_MS;
  }

  /** Charges a pool app's synchronous host call with the main-thread time it took. */
  chargeHostCall(ms: number): void {
    this.#hostCallMs += ms;
  }

  /** The app failed to start or hit a limit that restarted its isolate. */
  failed(now: number): void {
    this.#failures++;
    if (this.#failures >= BACKOFF_AFTER_FAILURES) {
      this.#retryAt = now + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.#failures - BACKOFF_AFTER_FAILURES));
    }
  }

  /** A request was served: the app is healthy again. */
  succeeded(): void {
    this.#failures = 0;
    this.#retryAt = 0;
  }

  /** Milliseconds until the app may be started again (0: now). */
  backoffMs(now: number): number {
    return this.#retryAt > now ? this.#retryAt - now : 0;
  }
}
