// A response body stream's shared window: a ring buffer over a SharedArrayBuffer. The guest
// copies the stream's bytes into the free space the host names (Entry.bodyTakeInto) and the host
// writes them to the socket from there, without a copy or an allocation. Space is in use from its
// take until the socket has taken those bytes (the write callback); write callbacks come in write
// order, so space frees in ring order. The window bounds what one stream holds on the host.
//
// Only bulk streams get one: a stream starts on the copying path (Entry.bodyTake) and switches
// after WINDOW_AFTER_BYTES, so thousands of slow streams (server-sent events) cost no windows.
// Each window belongs to one stream of one app and is never reused: the guest runtime holds a
// view of it, so reusing it for another app would share memory across tenants.

/** Bytes in one window. */
export const WINDOW_BYTES = 1 << 20;
/** One take fills at most this much, so the guest fills one part while the socket sends another. */
export const WINDOW_TAKE_MAX = WINDOW_BYTES / 2;
/** Free space smaller than this at the end of the ring is skipped for the space at its start. */
const MIN_TAKE = 16 * 1024;
/** A stream moves to a window once it has sent this many bytes on the copying path. */
export const WINDOW_AFTER_BYTES = 1 << 20;

export interface WindowSpace {
  readonly offset: number;
  readonly max: number;
}

export class StreamWindow {
  readonly sab = new SharedArrayBuffer(WINDOW_BYTES);
  /** Segments written and not yet released, oldest first: [offset, length] pairs. */
  readonly #segments: number[] = [];
  #head = 0;

  /** Free space for the next take, or null while the socket holds the whole window. */
  space(): WindowSpace | null {
    if (this.#segments.length === 0) {
      this.#head = 0;
      return { offset: 0, max: WINDOW_TAKE_MAX };
    }
    const tail = this.#segments[0] as number;
    let offset: number;
    let end: number;
    if (this.#head > tail) {
      // In use: [tail, head). Free: [head, end of ring) and [0, tail).
      if (WINDOW_BYTES - this.#head >= MIN_TAKE) [offset, end] = [this.#head, WINDOW_BYTES];
      else [offset, end] = [0, tail];
    } else [offset, end] = [this.#head, tail]; // wrapped: in use [tail, end) and [0, head)
    const max = Math.min(end - offset, WINDOW_TAKE_MAX);
    return max >= MIN_TAKE ? { offset, max } : null;
  }

  /** Records a take of `n` bytes at `offset`; returns them as a Buffer over the shared memory. */
  commit(offset: number, n: number): Buffer {
    this.#segments.push(offset, n);
    this.#head = offset + n;
    return Buffer.from(this.sab, offset, n);
  }

  /** The socket took the oldest committed segment. */
  release(): void {
    this.#segments.splice(0, 2);
  }
}
