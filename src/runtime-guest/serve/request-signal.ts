// An incoming request's `signal`: aborted (Entry.requestAbort) when the client goes away before the
// response is complete. Made on first use: most handlers never read `request.signal`, and an
// AbortSignal per request (an EventTarget in a WeakMap) costs every request a little.
import type { AbortSignal } from '../events/abort.js';
import type { DOMException } from '../core/dom-exception.js';
import { lazyUnit } from '../core/units.js';

const abortUnit = lazyUnit<typeof import('../events/abort.js')>('abort');
const domException = lazyUnit<typeof import('../core/dom-exception.js')>('dom-exception');

/** The AbortError an incoming request's signal or body gets when the client goes away. */
export const abortError = (reason: string): DOMException => new (domException().DOMException)(reason, 'AbortError');

export class LazySignal {
  signal: AbortSignal | null = null;
  reason: string | null = null;
  get(): AbortSignal {
    if (this.signal === null) {
      const abort = abortUnit();
      this.signal = abort.newSignal();
      if (this.reason !== null) abort.signalAbort(this.signal, abortError(this.reason));
    }
    return this.signal;
  }
}

/** Requests whose signal can still abort: until the response (and its body) is complete. */
const requestSignals = new Map<number, LazySignal>();

/** A new request's signal, live until forgetRequestSignal. */
export function newRequestSignal(id: number): LazySignal {
  const lazy = new LazySignal();
  requestSignals.set(id, lazy);
  return lazy;
}

/** The response of request `id` is complete: a later disconnect no longer aborts its signal. */
export function forgetRequestSignal(id: number): void {
  requestSignals.delete(id);
}

/** Entry.requestAbort: the client disconnected while the request was in flight. */
export function abortRequest(id: number, reason: string): void {
  const lazy = requestSignals.get(id);
  if (lazy === undefined) return;
  requestSignals.delete(id);
  if (lazy.signal === null) lazy.reason = reason;
  else abortUnit().signalAbort(lazy.signal, abortError(reason));
}
