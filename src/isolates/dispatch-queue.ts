// Sends an app's requests into its isolate: those that arrive in one event-loop turn enter
// together (Entry.dispatchBatch, flushed in the check phase), in batches that fit the main
// thread's slice; and tells which requests a batch entry served, so its CPU time is shared out.
import type { QueuedDispatch, RequestEnds } from './in-flight.js';
import { encodeBatch } from '../protocol/request-batch.js';

export interface BatchSizing {
  /** Most requests per entry (all of them off the main thread). */
  readonly batchSize: (ready: number) => number;
  /** The timeout of the entry that dispatches `batch`. */
  readonly batchTimeout: (batch: readonly QueuedDispatch[]) => number;
}

export class DispatchQueue {
  readonly #ends: RequestEnds;
  readonly #sizing: BatchSizing;
  /** Dispatches waiting for this turn's flush. */
  #queued: QueuedDispatch[] = [];
  /** Batch origins (negative) → the ids of the requests in the batch. */
  readonly #batches = new Map<number, number[]>();

  constructor(ends: RequestEnds, sizing: BatchSizing) {
    this.#ends = ends;
    this.#sizing = sizing;
  }

  /**
   * Requests that arrive in one event-loop turn enter the isolate together (flushed in the check
   * phase): one entry, one isolated-vm timeout timer and one string copy for all of them. Each
   * entry with a timeout costs a wake of isolated-vm's timer thread, which on a busy core was
   * half of a hello-world request's cost; a lone request takes the plain path.
   */
  queue(d: QueuedDispatch): void {
    this.#queued.push(d);
    if (this.#queued.length === 1) setImmediate(() => this.#flush());
  }

  /** The request ids an entry for `origin` served: a batch's (negative origin, forgotten now) or the one request's. */
  served(origin: number): number[] {
    if (origin >= 0) return [origin];
    const ids = this.#batches.get(origin) ?? [];
    this.#batches.delete(origin);
    return ids;
  }

  #flush(): void {
    const ready = this.#queued.filter((d) => !d.f.finished && !d.f.isolate.disposed);
    this.#queued = [];
    const size = this.#sizing.batchSize(ready.length);
    for (let i = 0; i < ready.length; i += size) this.#send(ready.slice(i, i + size));
  }

  #send(batch: QueuedDispatch[]): void {
    if (batch.length === 0) return;
    const ends = this.#ends;
    const first = batch[0] as QueuedDispatch;
    const isolate = first.f.isolate;
    if (batch.length === 1 || batch.some((d) => d.f.isolate !== isolate)) {
      for (const d of batch) {
        d.f.isolate
          .dispatch(d.f.id, d.method, d.url, d.headers, d.bodyStream, ends.entryTimeout(d.f.id))
          .catch((err: unknown) => ends.entryFailed(d.f.id, err));
      }
      return;
    }
    // A negative origin names the batch; served() gives its requests for CPU accounting.
    const origin = -first.f.id;
    this.#batches.set(origin, batch.map((d) => d.f.id));
    const text = encodeBatch(batch);
    isolate.dispatchBatch(text, origin, this.#sizing.batchTimeout(batch)).catch((err: unknown) => {
      this.#batches.delete(origin);
      // A limit hit by the batch restarts the isolate; the first request is named the culprit.
      ends.entryFailed(first.f.id, err);
    });
  }
}
