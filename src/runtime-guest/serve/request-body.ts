// Request bodies, host → guest: a byte stream per request that the host feeds (Entry.bodyPush) as
// the app reads, asking for more with Signal.bodyPull.
import { Signal } from '../../protocol/bridge.js';
import { Uint8ArrayCtor } from '../core/primordials.js';
import { hostSend } from '../core/host.js';
import { streams, type ReadableStream, type ReadableByteStreamController } from '../streams/streams.js';
import { strategy, bare } from '../streams/stream-internals.js';
import type { UnderlyingByteSource } from 'web-streams-polyfill';
import { markPassSource } from './pass-through.js';

interface InBody {
  controller: ReadableByteStreamController | null;
  pull: (() => void) | null;
}
const inBodies = new Map<number, InBody>();
/** Bytes of a request body buffered in the guest ahead of the app's reads. */
const REQUEST_READ_AHEAD = 256 * 1024;

/** The stream of request body `id`, fed by the host. */
export function requestBody(id: number): ReadableStream<Uint8Array> {
  const state: InBody = { controller: null, pull: null };
  inBodies.set(id, state);
  // A byte stream (BYOB readers work) that reads ahead up to REQUEST_READ_AHEAD bytes: the host
  // pushes the next chunks while the app works on the last, and an upload still moves only as
  // fast as the app reads it.
  const stream = new (streams().ReadableStream)<Uint8Array>(bare<UnderlyingByteSource>({
    type: 'bytes',
    start(c: ReadableByteStreamController) {
      state.controller = c;
    },
    pull() {
      return new Promise<void>((resolve) => {
        state.pull = resolve;
        hostSend(Signal.bodyPull, id);
      });
    },
    cancel() {
      inBodies.delete(id);
      hostSend(Signal.bodyPull, id, true);
    },
  }), strategy(REQUEST_READ_AHEAD));
  markPassSource(stream, 'request', id);
  return stream;
}

/** Whether request body `id` is still fed by the host (none of it reached its end or an error). */
export function requestBodyOpen(id: number): boolean {
  return inBodies.has(id);
}

/** The host took request body `id` over (it pipes it itself): the guest feeds it no more. */
export function releaseRequestBody(id: number): void {
  inBodies.delete(id);
}

/** Entry.bodyPush: a chunk, null at the end, or an error message. */
export function pushBody(id: number, chunk: unknown): void {
  const s = inBodies.get(id);
  if (s === undefined || s.controller === null) return;
  const c = s.controller;
  if (chunk === null) {
    inBodies.delete(id);
    c.close();
    // A BYOB read waiting at the end is answered with an empty view.
    c.byobRequest?.respond(0);
  } else if (typeof chunk === 'string') {
    inBodies.delete(id);
    c.error(new TypeError(chunk));
  } else if (chunk instanceof ArrayBuffer && chunk.byteLength > 0) {
    c.enqueue(new Uint8ArrayCtor(chunk));
  } else if (chunk instanceof Uint8Array && chunk.byteLength > 0) {
    c.enqueue(chunk);
  }
  const pull = s.pull;
  s.pull = null;
  pull?.();
}
