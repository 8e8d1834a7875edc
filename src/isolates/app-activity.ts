// What one app version is busy with, and the one answer to "is this app idle": its requests in
// flight (and those waiting for its isolate), the ctx.waitUntil work still waited for, and when it
// last served. Drains wait on it (whenIdle); eviction, compaction and cool() ask it (idleFor, idle).
import type { Logger } from '../observability/logger.js';
import type { InFlight } from './in-flight.js';
import { WAIT_UNTIL_MS } from './limit-enforcer.js';

export class AppActivity {
  /** Requests in flight by id, in start order (the wall sweep stops at the first recent one). */
  readonly inflight = new Map<number, InFlight>();
  /** Requests accepted but waiting for the isolate (counted in flight: a drain waits for them). */
  starting = 0;
  /** When a request last started or ended (Date.now()). */
  lastUsed = Date.now();
  /** Outstanding ctx.waitUntil promises per request id, and since when the oldest is pending. */
  readonly #waitUntils = new Map<number, { count: number; since: number }>();
  #waitUntil = 0;
  #waitUntilSweep: NodeJS.Timeout | undefined;
  #idleWaiters: (() => void)[] = [];
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** ctx.waitUntil promises still waited for. */
  get pendingWaitUntil(): number {
    return this.#waitUntil;
  }

  /** The one test of idleness: no request in flight or waiting for the isolate, no waitUntil work waited for. */
  get idle(): boolean {
    return this.inflight.size === 0 && this.starting === 0 && this.#waitUntil === 0;
  }

  /** Idle, and no request started or ended for at least `ms` (eviction, compaction). */
  idleFor(now: number, ms: number): boolean {
    return this.idle && now - this.lastUsed >= ms;
  }

  /** Resolves once the app is idle. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Wakes the drains waiting for idleness, if the app is idle now. */
  checkIdle(): void {
    if (this.#idleWaiters.length > 0 && this.idle) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** A request left the table (answered, cut or retried elsewhere). */
  ended(id: number): void {
    this.inflight.delete(id);
    this.lastUsed = Date.now();
  }

  /**
   * Counts ctx.waitUntil promises per request. Work still pending WAIT_UNTIL_MS after it began is
   * no longer waited for: it stops holding drains and idle eviction (it may still run, charged
   * to the background budget).
   */
  countWaitUntil(requestId: number, started: boolean): void {
    const id = Number.isSafeInteger(requestId) ? requestId : 0;
    const w = this.#waitUntils.get(id);
    if (started) {
      if (w === undefined) this.#waitUntils.set(id, { count: 1, since: Date.now() });
      else w.count++;
      this.#waitUntil++;
      this.#waitUntilSweep ??= setInterval(() => this.#sweepWaitUntil(), 1000).unref();
      return;
    }
    if (w === undefined) return;
    this.#waitUntil--;
    if (--w.count === 0) this.#waitUntils.delete(id);
    if (this.#waitUntils.size === 0) this.clearWaitUntil();
    this.checkIdle();
  }

  #sweepWaitUntil(): void {
    const deadline = Date.now() - WAIT_UNTIL_MS;
    for (const [id, w] of this.#waitUntils) {
      if (w.since > deadline) continue;
      this.#waitUntils.delete(id);
      this.#waitUntil -= w.count;
      this.#log.warn({ limit: 'waitUntil', reqId: id, pending: w.count }, `waitUntil work still pending after ${WAIT_UNTIL_MS} ms; no longer waited for`);
    }
    if (this.#waitUntils.size === 0) this.clearWaitUntil();
    this.checkIdle();
  }

  /** Stops waiting for any waitUntil work (its isolate is gone, or the drain deadline passed). */
  clearWaitUntil(): void {
    this.#waitUntils.clear();
    this.#waitUntil = 0;
    if (this.#waitUntilSweep !== undefined) clearInterval(this.#waitUntilSweep);
    this.#waitUntilSweep = undefined;
  }
}
