// Memory recycling (`recycle.maxRssMb`): isolated-vm keeps an isolate's memory after dispose(), so
// a worker whose RSS stays above the bound for RECYCLE_AFTER_MS (long enough for idle eviction to
// have run) is replaced by a new process, which starts with none of it.

export const RECYCLE_AFTER_MS = 60_000;

export class RssRecycler {
  readonly #maxBytes: number;
  readonly #recycle: (worker: number, rss: number) => void;
  /** Per worker slot: since when its RSS has been above the bound. */
  readonly #over = new Map<number, number>();

  constructor(maxRssMb: number, recycle: (worker: number, rss: number) => void) {
    this.#maxBytes = maxRssMb * 1024 * 1024;
    this.#recycle = recycle;
  }

  /** A worker's periodic RSS report. */
  report(worker: number, rss: number, now = Date.now()): void {
    if (rss <= this.#maxBytes) {
      this.#over.delete(worker);
      return;
    }
    const since = this.#over.get(worker) ?? now;
    this.#over.set(worker, since);
    if (now - since < RECYCLE_AFTER_MS) return;
    this.#over.delete(worker);
    this.#recycle(worker, rss);
  }
}
