// Turns a host request into a call of the app's handler and the handler's Response into wire
// form: module syntax (`export default { fetch }`) or service-worker syntax (a 'fetch' event),
// ctx.waitUntil, request bodies fed by the host and response bodies drained by the host.
import { Signal, MAX_TAKE_BYTES, OUTBOX_ENABLED, OUTBOX_MAX_BODY, OUTBOX_WAITING, type RespondArgs, type WireChunks, type WindowTake } from '../../protocol/bridge.js';
import { MathMin, SharedArrayBufferCtor, TypedArraySet, TypedArraySubarray, Uint8ArrayCtor } from '../core/primordials.js';
import { hostCall, hostSend } from '../core/host.js';
import { streams, type ReadableStream, type ReadableByteStreamController, type ReadableStreamDefaultReader } from '../streams/streams.js';
import { headersFromFlat, headersFromJoined, headersToJoined, type Headers } from '../fetch/headers.js';
import { makeRequest, type RequestState } from '../fetch/request.js';
import { isResponse, resp } from '../fetch/response.js';
import type { AbortSignal } from '../events/abort.js';
import { bodyUnusable, markUsed, takeSourceBytes, type BodyState } from '../fetch/body.js';
import { readChunk, bare, strategy } from '../streams/stream-internals.js';
import type { UnderlyingByteSource } from 'web-streams-polyfill';
import type { DOMException } from '../core/dom-exception.js';
import { markPassSource, passSourceOf } from './pass-through.js';
import { lazyUnit } from '../core/units.js';

// Units (units.ts) the request path reaches only when an app asks: service-worker syntax, an
// incoming request's signal, a handler's error worth describing.
const fetchEventUnit = lazyUnit<typeof import('./fetch-event.js')>('fetch-event');
const abortUnit = lazyUnit<typeof import('../events/abort.js')>('abort');
const consoleUnit = lazyUnit<typeof import('../console/console.js')>('console');
const domException = lazyUnit<typeof import('../core/dom-exception.js')>('dom-exception');
const fetchUnit = lazyUnit<typeof import('../fetch/fetch.js')>('fetch');
/** The AbortError an incoming request's signal or body gets when the client goes away. */
const abortError = (reason: string): DOMException => new (domException().DOMException)(reason, 'AbortError');

type Handler = (request: unknown, env: unknown, ctx: unknown) => unknown;
let moduleHandler: Handler | null = null;
let moduleThis: unknown = undefined;
let env: unknown = Object.freeze({});

/** Entry.init: the app's default export (module syntax) or undefined; the frozen env. */
export function initApp(defaultExport: unknown, envJson: string, servicesJson?: unknown): void {
  env = deepFreeze(withServices(JSON.parse(envJson) as Record<string, unknown>, servicesJson));
  if (defaultExport !== undefined && defaultExport !== null && typeof (defaultExport as { fetch?: unknown }).fetch === 'function') {
    moduleHandler = (defaultExport as { fetch: Handler }).fetch;
    moduleThis = defaultExport;
  }
}

/** For service-worker syntax apps the env bindings are globals, as in Workers. */
export function installEnvGlobals(envJson: string, servicesJson?: unknown): void {
  const values = withServices(JSON.parse(envJson) as Record<string, unknown>, servicesJson);
  for (const [k, v] of Object.entries(values)) {
    Object.defineProperty(globalThis, k, { value: deepFreeze(v), writable: false, configurable: false, enumerable: true });
  }
}

/**
 * Service bindings (`[[binding, app], …]` as JSON from the host): each binding becomes an object
 * whose fetch() sends the request to that app of the same NANO process (src/host-calls/fetch.ts).
 */
function withServices(values: Record<string, unknown>, servicesJson: unknown): Record<string, unknown> {
  if (typeof servicesJson !== 'string' || servicesJson === '') return values;
  for (const [binding, service] of JSON.parse(servicesJson) as [string, string][]) {
    values[binding] = {
      fetch(input: unknown, init?: unknown): Promise<unknown> {
        return fetchUnit().fetchService(service, input, init);
      },
    };
  }
  return values;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

// --- request bodies (host → guest) ---
interface InBody {
  controller: ReadableByteStreamController | null;
  pull: (() => void) | null;
}
const inBodies = new Map<number, InBody>();
/** Bytes of a request body buffered in the guest ahead of the app's reads. */
const REQUEST_READ_AHEAD = 256 * 1024;

function requestBody(id: number): ReadableStream<Uint8Array> {
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

// --- response bodies (guest → host) ---
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

function endOutBody(id: number, s: OutBody): void {
  outBodies.delete(id);
  requestSignals.delete(s.requestId);
}

// --- request signals: aborted when the client goes away before the response is complete ---
/**
 * An incoming request's signal, made on first use: most handlers never read `request.signal`,
 * and an AbortSignal per request (an EventTarget in a WeakMap) costs every request a little.
 */
class LazySignal {
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
const requestSignals = new Map<number, LazySignal>();

/** Entry.requestAbort: the client disconnected while the request was in flight. */
export function abortRequest(id: number, reason: string): void {
  const lazy = requestSignals.get(id);
  if (lazy === undefined) return;
  requestSignals.delete(id);
  if (lazy.signal === null) lazy.reason = reason;
  else abortUnit().signalAbort(lazy.signal, abortError(reason));
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
    if (outboxFlags !== null && outboxFlags[OUTBOX_ENABLED] === 1) {
      outbox += `b${id}\n`;
      outboxFlags[OUTBOX_WAITING] = 1;
    } else hostSend(Signal.bodyReady, id);
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
  if (s === undefined) return -1;
  if (s.window === null) return '0\nInternalError: the response body window is missing';
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
  if (!tookBytes(id, s, n)) return n;
  return s.error === null ? -(n + 1) : `${n}\n${s.error}`;
}

/** Entry.bodyCancel: the client went away. */
export function cancelBody(id: number, reason: string): void {
  const s = outBodies.get(id);
  if (s === undefined) return;
  endOutBody(id, s);
  s.reader.cancel(abortError(reason)).catch(() => {});
}

function toWire(requestId: number, r: unknown): RespondArgs {
  if (!isResponse(r)) throw new TypeError(`The handler did not return a Response (got ${consoleUnit().inspect(r, 0)})`);
  const s = resp(r);
  if (s.type === 'error') throw new TypeError('The handler returned Response.error()');
  const headers = headersToJoined(s.headers);
  const b = s.body;
  if (b === null) return [s.status, s.statusText, headers, null, 0];
  if (bodyUnusable(b)) throw new TypeError('The response body has already been used or its stream is locked');
  // A body given as a string crosses as that string; bytes still whole in memory go in one piece.
  if (b.text !== undefined && b.stream === null) {
    b.used = true;
    return [s.status, s.statusText, headers, b.text, 0];
  }
  const bytes = takeSourceBytes(b);
  if (bytes !== null) return [s.status, s.statusText, headers, bytes, 0];
  const stream = b.stream as ReadableStream<Uint8Array>;
  // A request body or a subrequest's response body returned as it came (nothing read yet): the
  // host pipes it to the client itself when none of it has entered the isolate yet.
  const source = passSourceOf(stream);
  if (source !== undefined && (source.kind !== 'request' || inBodies.has(source.id)) && hostCall<boolean>('passBody', requestId, source.kind, source.id) === true) {
    markUsed(b);
    stream.getReader();
    if (source.kind === 'request') inBodies.delete(source.id);
    return [s.status, s.statusText, headers, null, -1];
  }
  const id = nextStreamId++;
  markUsed(b);
  const out: OutBody = { requestId: 0, reader: stream.getReader(), chunks: [], window: null, bytes: 0, reading: false, done: false, error: null, notified: false };
  outBodies.set(id, out);
  pump(id, out);
  return [s.status, s.statusText, headers, null, id];
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return consoleUnit().inspect(err, 1);
}
function errorStack(err: unknown): string {
  return err instanceof Error && typeof err.stack === 'string' ? err.stack : errorText(err);
}

function succeed(id: number, r: unknown): void {
  if (passThroughIds.size !== 0) passThroughIds.delete(id);
  let wire: RespondArgs;
  try {
    wire = toWire(id, r);
  } catch (err) {
    fail(id, err);
    return;
  }
  const out = wire[4] === 0 ? undefined : outBodies.get(wire[4]);
  if (out === undefined) requestSignals.delete(id);
  else out.requestId = id;
  const body = wire[3];
  if (outboxFlags !== null && outboxFlags[OUTBOX_ENABLED] === 1 && wire[4] === 0 && (body === null || (typeof body === 'string' && body.length <= OUTBOX_MAX_BODY))) {
    outbox += `r${id}\n${wire[0]}\n${wire[1].length}\n${wire[2].length}\n${body === null ? -1 : body.length}\n${wire[1]}${wire[2]}${body ?? ''}`;
    outboxFlags[OUTBOX_WAITING] = 1;
    return;
  }
  hostCall('respond', id, wire[0], wire[1], wire[2], body, wire[4]);
}

// The response outbox (src/protocol/bridge.ts, OUTBOX): string concatenation only, so nothing an
// app patches on Array.prototype can touch it.
let outboxFlags: Int32Array | null = null;
let outbox = '';
/** boot(): the host's outbox flags; none (the snapshot's warm-up) means every response calls back. */
export function setOutbox(sab: unknown): void {
  outboxFlags = SharedArrayBufferCtor !== undefined && sab instanceof SharedArrayBufferCtor ? new Int32Array(sab) : null;
}
/** Entry.collect. */
export function takeOutbox(): string {
  const text = outbox;
  outbox = '';
  if (outboxFlags !== null) outboxFlags[OUTBOX_WAITING] = 0;
  return text;
}
function fail(id: number, err: unknown): void {
  requestSignals.delete(id);
  // 1 tells the host the app asked to fall through to an origin (ctx.passThroughOnException).
  const passThrough = passThroughIds.size !== 0 && passThroughIds.delete(id) ? 1 : 0;
  hostCall('respondError', id, errorText(err), errorStack(err), passThrough);
}

/** Requests whose handler called ctx.passThroughOnException(), until they respond or fail. */
const passThroughIds = new Set<number>();

function makeCtx(id: number): object {
  return Object.freeze({
    waitUntil(p: unknown): void {
      hostSend(Signal.waitUntil, id, 1);
      Promise.resolve(p).then(
        () => hostSend(Signal.waitUntil, id, -1),
        (err: unknown) => {
          hostSend(Signal.uncaught, id, errorText(err), errorStack(err));
          hostSend(Signal.waitUntil, id, -1);
        },
      );
    },
    passThroughOnException(): void {
      passThroughIds.add(id);
    },
  });
}

/**
 * The state of an incoming request. Headers and signal are made when first read (many handlers
 * read neither), by getters on this class's prototype: an object literal with `get` members
 * defines its accessors at run time on every request and turns into a dictionary-mode object
 * (bench hello: 1.8% of server CPU in DefineAccessorPropertyUnchecked).
 */
class IncomingRequestState implements RequestState {
  method: string;
  url: string;
  body: BodyState | null;
  redirect: RequestState['redirect'] = 'manual';
  credentials = 'same-origin';
  mode = 'cors';
  cache = 'default';
  referrer = 'about:client';
  referrerPolicy = '';
  integrity = '';
  keepalive = false;
  duplex = 'half' as const;
  #wire: string | string[];
  #headers: Headers | null = null;
  readonly #signal: LazySignal;
  constructor(method: string, url: string, headers: string | string[], body: BodyState | null, signal: LazySignal) {
    this.method = method;
    this.url = url;
    this.body = body;
    this.#wire = headers;
    this.#signal = signal;
  }
  get headers(): Headers {
    if (this.#headers === null) {
      const wire = this.#wire;
      this.#headers = typeof wire === 'string' ? headersFromJoined(wire, 'immutable') : headersFromFlat(wire, 'immutable');
      this.#wire = '';
    }
    return this.#headers;
  }
  get signal(): AbortSignal {
    return this.#signal.get();
  }
}

/** Entry.dispatch: builds the Request without re-parsing what the host already validated. */
export function dispatchRequest(id: number, method: string, url: string, headers: string | string[], bodyStreamId: number): void {
  const lazySignal = new LazySignal();
  requestSignals.set(id, lazySignal);
  const request = makeRequest(new IncomingRequestState(method, url, headers, bodyStreamId === 0 ? null : { source: null, stream: requestBody(bodyStreamId), used: false, length: null }, lazySignal));
  const ctx = makeCtx(id);
  let result: unknown;
  try {
    if (moduleHandler !== null) {
      result = Reflect.apply(moduleHandler, moduleThis, [request, env, ctx]);
    } else {
      result = fetchEventUnit().dispatchFetchEvent(request, (p) => (ctx as { waitUntil(p: unknown): void }).waitUntil(p), () => passThroughIds.add(id));
    }
  } catch (err) {
    fail(id, err);
    return;
  }
  if (isResponse(result)) succeed(id, result);
  else Promise.resolve(result).then((r) => succeed(id, r), (err: unknown) => fail(id, err));
}

