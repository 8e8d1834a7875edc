// Response bodies, guest → host: the guest reads the app's stream ahead (up to MAX_TAKE_BYTES),
// tells the host when bytes are ready (Signal.bodyReady or the outbox), and hands them over as a
// batch (Entry.bodyTake) or copied into the host's shared window (Entry.bodyTakeInto).
import { Signal, MAX_TAKE_BYTES, type WireChunks } from '../../protocol/bridge.js';
import { encodeWindowTake, type WindowTake } from '../../protocol/window-take.js';
import { MathMin, SharedArrayBufferCtor, TypedArraySet, TypedArraySubarray, Uint8ArrayCtor } from '../core/primordials.js';
import { hostSend } from '../core/host.js';
import type { ReadableStream, ReadableStreamDefaultReader } from '../streams/streams.js';
import { readChunk } from '../streams/stream-internals.js';
import { abortError, forgetRequestSignal } from './request-signal.js';
import { outboxOpen, queueBodyReady } from './outbox.js';
import { errorText } from './error-text.js';

interface OutBody {
  /** The request this is the response body of (its signal lives until the body ends). */
  requestId: number;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  chunks: Uint8Array[];
  /** The host's shared window (Entry.bodyWindow), once this body proved to be bulk. */
  window: Uint8Array | null;
  bytes: number;
  reading: boolean;
  done: boolean;
  error: string | null;
  notified: boolean;
}
const outBodies = new Map<number, OutBody>();
let nextStreamId = 1;

/** Starts reading `stream` (already marked used) as a response body; returns its stream id. */
export function startResponseBody(stream: ReadableStream<Uint8Array>): number {
  const id = nextStreamId++;
  const out: OutBody = { requestId: 0, reader: stream.getReader(), chunks: [], window: null, bytes: 0, reading: false, done: false, error: null, notified: false };
  outBodies.set(id, out);
  pump(id, out);
  return id;
}

/**
 * Ties response body `streamId` to request `requestId`, whose signal then lives until the body
 * ends; false when there is no such body (the response is complete now).
 */
export function attachResponseBody(streamId: number, requestId: number): boolean {
  const out = streamId === 0 ? undefined : outBodies.get(streamId);
  if (out === undefined) return false;
  out.requestId = requestId;
  return true;
}

function endOutBody(id: number, s: OutBody): void {
  outBodies.delete(id);
  forgetRequestSignal(s.requestId);
}

function pump(id: number, s: OutBody): void {
  if (s.reading || s.done || s.error !== null || s.bytes >= MAX_TAKE_BYTES) return;
  s.reading = true;
  readChunk(s.reader).then(
    (r) => {
      s.reading = false;
      if (r.done) s.done = true;
      else if (!(r.value instanceof Uint8Array)) {
        s.error = 'TypeError: response body chunks must be Uint8Array';
        s.reader.cancel(new TypeError(s.error)).catch(() => {});
      } else if (r.value.byteLength > 0) {
        s.chunks.push(r.value);
        s.bytes += r.value.byteLength;
      }
      notify(id, s);
      pump(id, s);
    },
    (err: unknown) => {
      s.reading = false;
      s.error = errorText(err);
      notify(id, s);
    },
  );
}

function notify(id: number, s: OutBody): void {
  if (!s.notified && (s.chunks.length > 0 || s.done || s.error !== null)) {
    s.notified = true;
    // Through the outbox when the host collects it after this entry: a fire-and-forget signal
    // reaches the host through an extra event-loop hop (isolated-vm's async callback).
    if (outboxOpen()) queueBodyReady(id);
    else hostSend(Signal.bodyReady, id);
  }
}

/**
 * After a take moved `n` bytes to the host: true when the body is finished (and forgotten);
 * otherwise the guest reads ahead again and tells the host when there is more.
 */
function tookBytes(id: number, s: OutBody, n: number): boolean {
  s.bytes -= n;
  s.notified = false;
  if (s.chunks.length === 0 && (s.done || s.error !== null)) {
    endOutBody(id, s);
    return true;
  }
  notify(id, s);
  pump(id, s);
  return false;
}

/** Entry.bodyTake: hands the host up to `max` bytes of buffered chunks. */
export function takeBody(id: number, max: number): WireChunks {
  const s = outBodies.get(id);
  if (s === undefined) return { chunks: [], done: true, error: null };
  const out: Uint8Array[] = [];
  let n = 0;
  while (s.chunks.length > 0 && n < max) {
    const c = s.chunks.shift() as Uint8Array;
    out.push(c);
    n += c.byteLength;
  }
  const finished = tookBytes(id, s, n);
  return { chunks: out, done: finished && s.error === null, error: finished ? s.error : null };
}

/** Entry.bodyWindow: the host's shared buffer for this stream's bytes from now on. */
export function setBodyWindow(id: number, sab: unknown): void {
  const s = outBodies.get(id);
  if (s !== undefined && SharedArrayBufferCtor !== undefined && sab instanceof SharedArrayBufferCtor) s.window = new Uint8ArrayCtor(sab);
}

/** Entry.bodyTakeInto: copies up to `max` buffered bytes into the window at `start`. */
export function takeBodyInto(id: number, start: number, max: number): WindowTake {
  const s = outBodies.get(id);
  if (s === undefined) return encodeWindowTake(0, true, null);
  if (s.window === null) return encodeWindowTake(0, true, 'InternalError: the response body window is missing');
  const w = s.window;
  const end = MathMin(start + max, w.byteLength);
  let at = start;
  while (s.chunks.length > 0 && at < end) {
    const c = s.chunks[0] as Uint8Array;
    const room = end - at;
    if (c.byteLength <= room) {
      TypedArraySet(w, c, at);
      at += c.byteLength;
      s.chunks.shift();
    } else {
      TypedArraySet(w, TypedArraySubarray(c, 0, room), at);
      s.chunks[0] = TypedArraySubarray(c, room);
      at = end;
    }
  }
  const n = at - start;
  const finished = tookBytes(id, s, n);
  return encodeWindowTake(n, finished, finished ? s.error : null);
}

/** Entry.bodyCancel: the client went away. */
export function cancelBody(id: number, reason: string): void {
  const s = outBodies.get(id);
  if (s === undefined) return;
  endOutBody(id, s);
  s.reader.cancel(abortError(reason)).catch(() => {});
}
