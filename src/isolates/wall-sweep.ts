// The wall-clock limit (limits.wallMs, until the response starts), checked by one interval per app
// instead of a timer per request; the interval runs only while the app has requests in flight.
import type { InFlight, RequestEnds } from './in-flight.js';
import type { LimitEnforcer } from './limit-enforcer.js';

export class WallSweep {
  readonly #limits: LimitEnforcer;
  readonly #inflight: ReadonlyMap<number, InFlight>;
  readonly #ends: RequestEnds;
  #timer: NodeJS.Timeout | undefined;

  constructor(limits: LimitEnforcer, inflight: ReadonlyMap<number, InFlight>, ends: RequestEnds) {
    this.#limits = limits;
    this.#inflight = inflight;
    this.#ends = ends;
  }

  /** A request started: sweeps every wallMs / 20 (5 ms to a second) until stop(). */
  arm(): void {
    this.#timer ??= setInterval(() => this.#sweep(), this.#limits.wallSweepMs()).unref();
  }

  /** No request is in flight: the interval stops. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** In-flight requests are in start order, so the sweep stops at the first one still within its time. */
  #sweep(): void {
    const deadline = this.#limits.wallDeadline(performance.now());
    for (const f of this.#inflight.values()) {
      if (f.started > deadline) break;
      if (!f.responded) this.#ends.finishWithError(f, 'NANO_ERR_WALL_LIMIT', `no response within ${this.#limits.limits.wallMs} ms`);
    }
  }
}
