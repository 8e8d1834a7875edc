// Request (https://fetch.spec.whatwg.org/#request-class).
import { defineInterface, requiredArguments, toUSVString, toByteString, toDOMString, toDictionary, toEnum } from '../core/webidl.js';
import { Headers, fillHeaders, setGuard, cloneHeaders, headerList } from './headers.js';
import { type BodyState, extractBody, bodyStream, bodyUnusable, bodyDisturbed, proxyBody, retireBody, cloneBody, bodyText, bodyJson, bodyArrayBuffer, bodyBytes, bodyBlob, bodyFormData } from './body.js';
import type { AbortSignal } from '../events/abort.js';
import { lazyUnit } from '../core/units.js';
import { hostCall } from '../core/host.js';
import { resolveBlobUrl } from '../file/blob-url.js';
import type { Blob } from '../file/blob.js';
import type { ReadableStream } from '../streams/streams.js';

export interface RequestState {
  method: string;
  url: string;
  headers: Headers;
  body: BodyState | null;
  signal: AbortSignal;
  redirect: 'follow' | 'error' | 'manual';
  credentials: string;
  mode: string;
  cache: string;
  referrer: string;
  referrerPolicy: string;
  integrity: string;
  keepalive: boolean;
  duplex: 'half';
  /**
   * The blob URL entry the URL parser resolved for a blob: URL (https://url.spec.whatwg.org/#concept-url-blob-entry):
   * a Request keeps its Blob when the URL is revoked later. Absent for every other URL.
   */
  blobEntry?: Blob | undefined;
  /**
   * Cloudflare's `request.cf`: for a request from NANO's listener the facts NANO knows
   * (cfProperties), for one constructed from another Request that one's; else undefined.
   */
  readonly cf?: object | undefined;
}

/**
 * `request.cf` of a request from the listener: Cloudflare's field names where Cloudflare has the
 * field (`httpProtocol`, `clientAcceptEncoding`, `tlsVersion`/`tlsCipher` as "" over plain HTTP),
 * NANO's own for the TLS flag and the client address (both as the edge believed them: from a
 * trusted proxy's headers, else from the connection). Geolocation, ASN, bot scores: not known.
 */
export function cfProperties(httpVersion: string, url: string, headers: Headers): object {
  const tls = url.startsWith('https:');
  return Object.freeze({
    httpProtocol: `HTTP/${httpVersion}`,
    clientAcceptEncoding: headers.get('accept-encoding') ?? '',
    ...(tls ? {} : { tlsVersion: '', tlsCipher: '' }),
    tls,
    clientAddress: headers.get('cf-connecting-ip') ?? '',
  });
}
// State lives in a private field (not a WeakMap): a WeakMap entry per object makes every young
// object an ephemeron key, and the tables' churn showed up as scavenge and mark-compact time
// on the request path.
let stateOf: (self: unknown) => RequestState | undefined;
export function rs(self: unknown): RequestState {
  const s = stateOf(self);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}
export function isRequest(v: unknown): v is Request {
  return stateOf(v) !== undefined;
}

const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The API base URL: a worker-like scope's `location` when one is defined (WPT), else none. */
export function baseUrl(): string | undefined {
  const loc = (globalThis as { location?: { href?: unknown } }).location;
  return typeof loc?.href === 'string' ? loc.href : undefined;
}

function parseUrl(input: string): string {
  const parts = hostCall<string[] | null>('urlParse', input, baseUrl());
  if (parts === null) throw new TypeError(`Failed to construct 'Request': Invalid URL ${JSON.stringify(input)}`);
  const href = parts[0] as string;
  if (parts[3] !== '' || parts[4] !== '') throw new TypeError(`Failed to construct 'Request': Request cannot be constructed from a URL that includes credentials: ${href}`);
  return href;
}

let internalInit: RequestState | null = null;

/** RequestInit after WebIDL conversion: members read once, in the dictionary's (alphabetical) order. */
interface RequestInitDict {
  body?: unknown;
  cache?: string;
  credentials?: string;
  duplex?: string;
  headers?: unknown;
  integrity?: string;
  keepalive?: boolean;
  method?: string;
  mode?: string;
  priority?: string;
  redirect?: string;
  referrer?: string;
  referrerPolicy?: string;
  signal?: unknown;
  window?: unknown;
}
/** AbortSignal (a unit, units.ts): loaded when an app constructs a Request or reads a signal. */
const abortUnit = lazyUnit<typeof import('../events/abort.js')>('abort');

/** A new signal that follows `parent` (https://dom.spec.whatwg.org/#abortsignal-follow). */
function followingSignal(parent: AbortSignal | null | undefined): AbortSignal {
  const { newSignal, signalAbort, addAbortAlgorithm } = abortUnit();
  const signal = newSignal();
  if (parent !== undefined && parent !== null) {
    if (parent.aborted) signalAbort(signal, parent.reason);
    else addAbortAlgorithm(parent, () => signalAbort(signal, parent.reason));
  }
  return signal;
}

const CTX = "Failed to construct 'Request'";
const ENUMS = {
  cache: ['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached'],
  credentials: ['omit', 'same-origin', 'include'],
  duplex: ['half'],
  mode: ['navigate', 'same-origin', 'no-cors', 'cors'],
  priority: ['high', 'low', 'auto'],
  redirect: ['follow', 'error', 'manual'],
  referrerPolicy: ['', 'no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin', 'strict-origin', 'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url'],
} as const;

function convertInit(init: unknown): { dict: RequestInitDict; empty: boolean } {
  const src = toDictionary(init, CTX);
  const dict: RequestInitDict = {};
  let empty = true;
  const read = (name: keyof RequestInitDict, convert: (v: unknown) => unknown): void => {
    const v = src[name];
    if (v === undefined) return;
    empty = false;
    (dict as Record<string, unknown>)[name] = convert(v);
  };
  const asEnum = (name: keyof typeof ENUMS, type: string) => (v: unknown): string => toEnum(v, ENUMS[name], type, CTX);
  read('body', (v) => v);
  read('cache', asEnum('cache', 'RequestCache'));
  read('credentials', asEnum('credentials', 'RequestCredentials'));
  read('duplex', asEnum('duplex', 'RequestDuplex'));
  read('headers', (v) => v);
  read('integrity', toDOMString);
  read('keepalive', Boolean);
  read('method', toByteString);
  read('mode', asEnum('mode', 'RequestMode'));
  read('priority', asEnum('priority', 'RequestPriority'));
  read('redirect', asEnum('redirect', 'RequestRedirect'));
  read('referrer', toUSVString);
  read('referrerPolicy', asEnum('referrerPolicy', 'ReferrerPolicy'));
  read('signal', (v) => {
    if (v !== null && abortUnit.peek()?.isAbortSignal(v) !== true) throw new TypeError(`${CTX}: member signal is not of type AbortSignal.`);
    return v;
  });
  read('window', (v) => v);
  return { dict, empty };
}

function originOf(href: string): string | null {
  const parts = hostCall<string[] | null>('urlParse', href, undefined);
  return parts === null ? null : (parts[1] as string);
}

export class Request {
  #state!: RequestState;
  static {
    stateOf = (self) => (typeof self === 'object' && self !== null && #state in self ? (self as Request).#state : undefined);
  }
  /** https://fetch.spec.whatwg.org/#dom-request (step numbers from the spec). */
  constructor(input: unknown, init: unknown = undefined) {
    if (internalInit !== null) {
      this.#state = internalInit;
      internalInit = null;
      return;
    }
    requiredArguments(arguments.length, 1, CTX);
    const inputIsRequest = isRequest(input);
    const href = inputIsRequest ? null : toUSVString(input);
    const { dict: opts, empty } = convertInit(init);
    // Steps 5-6: the request from a URL or from the input Request.
    let base: RequestState | null = null;
    let url: string;
    if (inputIsRequest) {
      base = rs(input);
      url = base.url;
    } else {
      url = parseUrl(href as string);
    }
    let mode = base?.mode ?? 'cors';
    let referrer = base?.referrer ?? 'about:client';
    let referrerPolicy = base?.referrerPolicy ?? '';
    // Step 12: window may only be null.
    if (opts.window !== undefined && opts.window !== null) throw new TypeError(`${CTX}: 'window' must be null.`);
    // Step 13: a non-empty init resets what a navigation would carry.
    if (!empty) {
      if (mode === 'navigate') mode = 'same-origin';
      referrer = 'about:client';
      referrerPolicy = '';
    }
    // Step 14: referrer.
    if (opts.referrer !== undefined) {
      if (opts.referrer === '') referrer = 'no-referrer';
      else {
        const loc = baseUrl();
        const parts = hostCall<string[] | null>('urlParse', opts.referrer, loc);
        if (parts === null) throw new TypeError(`${CTX}: Referrer '${opts.referrer}' is not a valid URL.`);
        const parsed = parts[0] as string;
        const sameOrigin = loc === undefined || (parts[1] as string) === originOf(loc);
        referrer = parsed === 'about:client' || !sameOrigin ? 'about:client' : parsed;
      }
    }
    if (opts.referrerPolicy !== undefined) referrerPolicy = opts.referrerPolicy;
    // Steps 16-18: mode.
    if (opts.mode !== undefined) {
      if (opts.mode === 'navigate') throw new TypeError(`${CTX}: Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'.`);
      mode = opts.mode;
    }
    const credentials = opts.credentials ?? base?.credentials ?? 'same-origin';
    const cache = opts.cache ?? base?.cache ?? 'default';
    if (cache === 'only-if-cached' && mode !== 'same-origin') throw new TypeError(`${CTX}: 'only-if-cached' can be set only with 'same-origin' mode`);
    const redirect = (opts.redirect ?? base?.redirect ?? 'follow') as RequestState['redirect'];
    const integrity = opts.integrity ?? base?.integrity ?? '';
    const keepalive = opts.keepalive ?? base?.keepalive ?? false;
    // Step 25: method.
    let method = base?.method ?? 'GET';
    if (opts.method !== undefined) {
      const m = opts.method;
      if (!METHOD_TOKEN.test(m)) throw new TypeError(`${CTX}: '${m}' is not a valid HTTP method.`);
      const upper = m.toUpperCase();
      if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`${CTX}: '${m}' HTTP method is unsupported.`);
      method = NORMALIZED.has(upper) ? upper : m;
    }
    // Steps 27-30: the signal follows init's signal (null: none) or the input's.
    const signal = followingSignal((opts.signal !== undefined ? opts.signal : base?.signal) as AbortSignal | null | undefined);
    // Steps 31-33: headers (guard "request"; "no-cors" would restrict them further).
    const headers = new Headers();
    const initHeaders = opts.headers !== undefined ? opts.headers : base !== null ? base.headers : undefined;
    if (initHeaders !== undefined) {
      if (initHeaders instanceof Headers) for (const [k, v] of headerList(initHeaders)) headers.append(k, v);
      else fillHeaders(headers, initHeaders);
    }
    if (mode === 'no-cors' && method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      throw new TypeError(`${CTX}: '${method}' is unsupported in no-cors mode.`);
    }
    setGuard(headers, mode === 'no-cors' ? 'request-no-cors' : 'request');
    // Steps 34-44: body.
    const inputBody = base?.body ?? null;
    const hasInitBody = opts.body !== undefined && opts.body !== null;
    if ((hasInitBody || inputBody !== null) && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError(`${CTX}: Request with GET/HEAD method cannot have body.`);
    }
    let body: BodyState | null = null;
    if (hasInitBody) {
      const ex = extractBody(opts.body, keepalive);
      body = ex.body;
      if (ex.body.stream !== null && keepalive) throw new TypeError(`${CTX}: keepalive cannot be set for a request with a streaming body`);
      if (ex.contentType !== null && !headers.has('content-type')) headers.append('content-type', ex.contentType);
    } else if (inputBody !== null) {
      if (bodyUnusable(inputBody)) throw new TypeError(`${CTX}: Cannot construct a Request with a Request object that has already been used.`);
      body = proxyBody(inputBody);
    }
    if (body !== null && body.stream !== null && opts.duplex === undefined && hasInitBody) {
      throw new TypeError(`${CTX}: The \`duplex\` member must be specified for a request with a streaming body`);
    }
    // The input request's body counts as used once a new request was made from it (WPT
    // request-disturbed), even when init brings a body of its own.
    if (inputBody !== null && hasInitBody) retireBody(inputBody);
    const state: RequestState = {
      method,
      url,
      headers,
      body,
      signal,
      redirect,
      credentials,
      mode,
      cache,
      referrer,
      referrerPolicy,
      integrity,
      keepalive,
      duplex: 'half',
    };
    // The URL record (and with it a blob: URL's entry) is the input Request's, or was just parsed.
    const blobEntry = base !== null ? base.blobEntry : resolveBlobUrl(url);
    if (blobEntry !== undefined) state.blobEntry = blobEntry;
    // cf is Cloudflare's: kept from an input Request; RequestInit's members stay the standard ones.
    const cf = base?.cf;
    this.#state = cf !== undefined ? { ...state, cf } : state;
  }
  get method(): string { return rs(this).method; }
  get url(): string { return rs(this).url; }
  get headers(): Headers { return rs(this).headers; }
  get destination(): string { rs(this); return ''; }
  get referrer(): string { const r = rs(this).referrer; return r === 'no-referrer' ? '' : r; }
  get referrerPolicy(): string { return rs(this).referrerPolicy; }
  get mode(): string { return rs(this).mode; }
  get credentials(): string { return rs(this).credentials; }
  get cache(): string { return rs(this).cache; }
  get redirect(): string { return rs(this).redirect; }
  get integrity(): string { return rs(this).integrity; }
  get keepalive(): boolean { return rs(this).keepalive; }
  get isReloadNavigation(): boolean { rs(this); return false; }
  get isHistoryNavigation(): boolean { rs(this); return false; }
  get signal(): AbortSignal { return rs(this).signal; }
  get duplex(): string { return rs(this).duplex; }
  /** Cloudflare's request properties (RequestState.cf). */
  get cf(): object | undefined { return rs(this).cf; }
  get body(): ReadableStream<Uint8Array> | null {
    const b = rs(this).body;
    return b === null ? null : bodyStream(b);
  }
  get bodyUsed(): boolean {
    return bodyDisturbed(rs(this).body);
  }
  arrayBuffer(): Promise<ArrayBuffer> { return guard(this, () => bodyArrayBuffer(rs(this).body)); }
  bytes(): Promise<Uint8Array> { return guard(this, () => bodyBytes(rs(this).body)); }
  text(): Promise<string> { return guard(this, () => bodyText(rs(this).body)); }
  json(): Promise<unknown> { return guard(this, () => bodyJson(rs(this).body)); }
  blob(): Promise<unknown> { return guard(this, () => bodyBlob(rs(this).body, rs(this).headers.get('content-type'))); }
  formData(): Promise<unknown> { return guard(this, () => bodyFormData(rs(this).body, rs(this).headers.get('content-type'))); }
  clone(): Request {
    const s = rs(this);
    if (bodyUnusable(s.body)) throw new TypeError("Failed to execute 'clone' on 'Request': Request body is already used");
    const signal = followingSignal(s.signal);
    const cf = s.cf;
    return makeRequest({ ...s, headers: cloneHeaders(s.headers, 'request'), body: cloneBody(s.body), signal, ...(cf !== undefined ? { cf } : {}) });
  }
}
defineInterface(Request, 'Request', { ctorLength: 1 });

function guard<T>(self: Request, fn: () => Promise<T>): Promise<T> {
  try {
    rs(self);
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Builds a Request from trusted state without the constructor's parsing (incoming requests). */
export function makeRequest(state: RequestState): Request {
  internalInit = state;
  return new Request(undefined);
}

