// Turns a host request into a call of the app's handler (module syntax, or a 'fetch' event for
// service-worker syntax) with its ctx, and the handler's Response into wire form. The request's
// body, its signal, the response body and the outbox each have their own module in this folder.
import { EDGE_HEADER, HEADER_SEP, RPC_METHOD_HEADER, Signal, type RespondArgs } from '../../protocol/bridge.js';
import { hostCall, hostSend } from '../core/host.js';
import type { ReadableStream } from '../streams/streams.js';
import { headersFromFlat, headersFromJoined, headersToJoined, type Headers } from '../fetch/headers.js';
import { cfProperties, makeRequest, type RequestState } from '../fetch/request.js';
import { isResponse, resp } from '../fetch/response.js';
import type { AbortSignal } from '../events/abort.js';
import { bodyUnusable, markUsed, takeSourceBytes, type BodyState } from '../fetch/body.js';
import { lazyUnit } from '../core/units.js';
import { passSourceOf } from './pass-through.js';
import { env, moduleHandler, moduleThis } from './app-env.js';
import { requestBody, requestBodyOpen, releaseRequestBody } from './request-body.js';
import { forgetRequestSignal, newRequestSignal, type LazySignal } from './request-signal.js';
import { attachResponseBody, startResponseBody } from './response-body.js';
import { fitsOutbox, outboxOpen, queueResponse } from './outbox.js';
import { errorStack, errorText } from './error-text.js';

// Units (units.ts) the request path reaches only when an app asks: service-worker syntax, a
// handler's result worth describing.
const fetchEventUnit = lazyUnit<typeof import('./fetch-event.js')>('fetch-event');
const consoleUnit = lazyUnit<typeof import('../console/console.js')>('console');
const rpcUnit = lazyUnit<typeof import('./service-rpc.js')>('service-rpc');

/**
 * The header the host put first (bridge.ts: the listener's EDGE_HEADER or a service call's
 * RPC_METHOD_HEADER), taken off the list the app sees; null when there is none.
 */
function takeInternalHeader(headers: string | string[]): { name: string; value: string; rest: string | string[] } | null {
  if (typeof headers !== 'string') {
    const name = headers[0];
    return name === EDGE_HEADER || name === RPC_METHOD_HEADER ? { name, value: headers[1] ?? '', rest: headers.slice(2) } : null;
  }
  const cut = headers.indexOf(HEADER_SEP);
  const name = cut === -1 ? headers : headers.slice(0, cut);
  if (name !== EDGE_HEADER && name !== RPC_METHOD_HEADER) return null;
  const end = headers.indexOf(HEADER_SEP, cut + 1);
  return { name, value: headers.slice(cut + 1, end === -1 ? undefined : end), rest: end === -1 ? '' : headers.slice(end + 1) };
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
  if (source !== undefined && (source.kind !== 'request' || requestBodyOpen(source.id)) && hostCall<boolean>('passBody', requestId, source.kind, source.id) === true) {
    markUsed(b);
    stream.getReader();
    if (source.kind === 'request') releaseRequestBody(source.id);
    return [s.status, s.statusText, headers, null, -1];
  }
  markUsed(b);
  return [s.status, s.statusText, headers, null, startResponseBody(stream)];
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
  if (!attachResponseBody(wire[4], id)) forgetRequestSignal(id);
  const body = wire[3];
  if (wire[4] === 0 && outboxOpen() && fitsOutbox(body)) {
    queueResponse(id, wire[0], wire[1], wire[2], body);
    return;
  }
  hostCall('respond', id, wire[0], wire[1], wire[2], body, wire[4]);
}

function fail(id: number, err: unknown): void {
  forgetRequestSignal(id);
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
 * defines its accessors at run time on every request and turns into a dictionary-mode object,
 * which costs every request.
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
  /** The HTTP version of a request from the listener (request.cf); null for a service binding's. */
  httpVersion: string | null = null;
  #cf: object | undefined | null = null;
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
  get cf(): object | undefined {
    if (this.#cf === null) this.#cf = this.httpVersion === null ? undefined : cfProperties(this.httpVersion, this.url, this.headers);
    return this.#cf;
  }
}

/** Entry.dispatch: builds the Request without re-parsing what the host already validated. */
export function dispatchRequest(id: number, method: string, url: string, headers: string | string[], bodyStreamId: number): void {
  const lazySignal = newRequestSignal(id);
  const internal = takeInternalHeader(headers);
  const state = new IncomingRequestState(method, url, internal === null ? headers : internal.rest, bodyStreamId === 0 ? null : { source: null, stream: requestBody(bodyStreamId), used: false, length: null }, lazySignal);
  // No mark: an HTTP/1.1 request from the listener; an empty EDGE_HEADER: a service binding's.
  state.httpVersion = internal === null ? '1.1' : internal.name === EDGE_HEADER && internal.value !== '' ? internal.value : null;
  const request = makeRequest(state);
  const ctx = makeCtx(id);
  const rpc = internal?.name === RPC_METHOD_HEADER ? internal.value : null;
  let result: unknown;
  try {
    if (rpc !== null) {
      result = rpcUnit().serveRpc(moduleThis, rpc, request, env, ctx);
    } else if (moduleHandler !== null) {
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

