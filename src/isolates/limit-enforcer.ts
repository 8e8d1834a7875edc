// One app's limits, applied in one place: the timeout of every entry into its isolate (per request
// CPU, the main thread's slice, background work's budget per window), and the crash-loop backoff
// that keeps an app which keeps failing from costing anything while it waits. AppInstance asks it;
// the limits themselves come from the resolved config (src/config/schema.ts holds every default).

/**
 * Longest time one synchronous entry may hold the main thread, which every app shares. An entry
 * that runs longer is stopped; the app moves to the isolate thread pool for good (its isolate is
 * restarted, the request it served gets 503), so a looping app blocks its neighbours once, for
 * this long, instead of for its whole cpuMs on every request.
 */
export const MAIN_THREAD_SLICE_MS = 100;
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

  constructor(limits: AppLimits) {
    this.limits = limits;
  }

  /** Timeout of an entry for a request that used `usedMs` of CPU so far. */
  requestTimeout(usedMs: number, mainThread: boolean): number {
    const left = Math.max(1, this.limits.cpuMs - usedMs);
    return mainThread ? Math.min(left, MAIN_THREAD_SLICE_MS) : left;
  }

  /** Timeout of an entry that serves no request in flight (a timer, an op completion, waitUntil work). */
  backgroundTimeout(now: number, mainThread: boolean): number {
    this.#roll(now);
    const left = Math.max(1, Math.min(this.limits.cpuMs, this.limits.cpuMs - this.#backgroundMs));
    return mainThread ? Math.min(left, MAIN_THREAD_SLICE_MS) : left;
  }

  /** Charges background work; true once the window's budget is spent. */
  chargeBackground(ms: number, now: number): boolean {
    this.#roll(now);
    this.#backgroundMs += ms;
    return this.#backgroundMs >= this.limits.cpuMs;
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
