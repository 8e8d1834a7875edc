// When an app set to execution "auto" leaves the main thread for isolated-vm's thread pool:
// cheap apps keep the fast synchronous entry (~6 µs), apps whose turns cost real CPU move so they
// neither block the main thread nor each other (two CPU-bound apps then use both cores).

/** Moving average of per-request turn time (ms) past which an app moves to the pool. */
const POOL_AVERAGE_MS = 2;
/** An isolate's first turns compile its code lazily; they are not counted. */
const WARMUP_TURNS = 8;
const AVERAGE_WEIGHT = 0.05;
/** Samples are clipped so one GC or JIT pause cannot move an app on its own. */
const SAMPLE_CLIP_MS = 10;
/**
 * One turn over this moves an app at once, warm-up or not: every app shares the main thread, so
 * an app that has shown it can hold it this long does not get to do it again.
 */
export const LONG_TURN_MS = 20;

export class ExecutionPolicy {
  #turns = 0;
  #average = 0;

  /** The moving average, for the log line that reports a move. */
  get averageMs(): number {
    return this.#average;
  }

  /** A new isolate starts its warm-up again; the average carries over (it is the app's). */
  isolateCreated(): void {
    this.#turns = 0;
  }

  /**
   * Records one turn's time per request it served (wall clock: threadCpuUsage costs ~7% of a
   * hello-world request, so a sample may include preemption). True when the app should move.
   */
  record(ms: number): boolean {
    if (ms > LONG_TURN_MS) return true;
    if (++this.#turns <= WARMUP_TURNS) return false;
    this.#average = this.#average * (1 - AVERAGE_WEIGHT) + Math.min(ms, SAMPLE_CLIP_MS) * AVERAGE_WEIGHT;
    return this.#average > POOL_AVERAGE_MS;
  }
}
