// A process-wide pool of slots for host jobs that run on libuv's thread pool (WebCrypto): libuv
// has 4 threads for the whole process, shared by every app's DNS lookups, zlib and file reads,
// so apps together may hold at most a few of them. Each isolate waits in its own line; free
// slots go to the lines in turn (round robin), so an app that queues a thousand jobs delays
// another app's next job by at most one job per slot. A line is bounded in jobs and bytes.
import { OpError } from './ops.js';

/** One isolate's waiting jobs. */
export class JobLine {
  /** Wakers of the waiting jobs: `true` hands the job a slot, `false` ends its wait without one. */
  readonly waiting: ((slot: boolean) => void)[] = [];
  readonly #sizes: number[] = [];
  waitingBytes = 0;
  disposed = false;
  /** Ends every wait without a slot; the jobs fail. */
  dispose(): void {
    this.disposed = true;
    for (const wake of this.waiting.splice(0)) wake(false);
    this.#sizes.length = 0;
    this.waitingBytes = 0;
  }
  push(wake: (slot: boolean) => void, bytes: number): void {
    this.waiting.push(wake);
    this.#sizes.push(bytes);
    this.waitingBytes += bytes;
  }
  shift(): ((slot: boolean) => void) | undefined {
    const wake = this.waiting.shift();
    this.waitingBytes -= this.#sizes.shift() ?? 0;
    return wake;
  }
}

export interface LineBounds {
  /** Jobs one line may hold waiting. */
  readonly jobs: number;
  /** Bytes of arguments one line may hold waiting (a single job is never refused for size). */
  readonly bytes: number;
}

export class JobPool {
  readonly #slots: number;
  readonly #bounds: LineBounds;
  readonly #what: string;
  #running = 0;
  /** Lines with waiting jobs, in the order they get the next free slot. */
  readonly #ring: JobLine[] = [];

  /** `what` names the jobs in the QuotaExceededError message ("crypto operations"). */
  constructor(slots: number, bounds: LineBounds, what: string) {
    this.#slots = slots;
    this.#bounds = bounds;
    this.#what = what;
  }

  get running(): number {
    return this.#running;
  }

  /**
   * Runs `fn` in a slot, at once if one is free and nobody waits, else after waiting in `line`.
   * Rejects with QuotaExceededError when the line is full (nothing is queued then).
   */
  async run<T>(line: JobLine, bytes: number, fn: () => Promise<T>): Promise<T> {
    if (line.disposed) throw new OpError('OperationError', 'The app was stopped.');
    if (this.#running >= this.#slots || this.#ring.length > 0) {
      const b = this.#bounds;
      if (line.waiting.length >= b.jobs || (line.waiting.length > 0 && line.waitingBytes + bytes > b.bytes)) {
        throw new OpError('QuotaExceededError', `Too many ${this.#what} waiting in this app (limit ${b.jobs} operations or ${b.bytes} bytes of input); wait for some to finish.`);
      }
      const slot = await new Promise<boolean>((resolve) => {
        if (line.waiting.length === 0) this.#ring.push(line);
        line.push(resolve, bytes);
      });
      if (!slot) throw new OpError('OperationError', 'The app was stopped.');
    } else {
      this.#running++;
    }
    try {
      return await fn();
    } finally {
      this.#running--;
      this.#next();
    }
  }

  /** Gives free slots to the waiting lines in turn. */
  #next(): void {
    while (this.#running < this.#slots && this.#ring.length > 0) {
      const line = this.#ring.shift() as JobLine;
      if (line.disposed || line.waiting.length === 0) continue;
      const wake = line.shift() as (slot: boolean) => void;
      if (line.waiting.length > 0) this.#ring.push(line);
      this.#running++;
      wake(true);
    }
  }
}
