// Request (https://fetch.spec.whatwg.org/#request-class).
import { setToStringTag } from './primordials.js';
import { requiredArguments, toUSVString, toByteString, isObject } from './webidl.js';
import { Headers, fillHeaders, setGuard, cloneHeaders, headerList } from './headers.js';
import { type BodyState, extractBody, bodyStream, bodyUnusable, cloneBody, bodyText, bodyJson, bodyArrayBuffer, bodyBytes, bodyBlob, bodyFormData } from './body.js';
import { AbortSignal, AbortController, isAbortSignal, newSignal, signalAbort, addAbortAlgorithm } from './abort.js';
import { hostCall } from './host.js';
import type { ReadableStream } from './streams.js';

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
}
const requests = new WeakMap<object, RequestState>();
export function rs(self: unknown): RequestState {
  const s = requests.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}
export function isRequest(v: unknown): v is Request {
  return requests.has(v as object);
}

const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function parseUrl(input: string): string {
  const parts = hostCall<string[] | null>('urlParse', input, undefined);
  if (parts === null) throw new TypeError(`Failed to construct 'Request': Invalid URL ${JSON.stringify(input)}`);
  const href = parts[0] as string;
  if (parts[3] !== '' || parts[4] !== '') throw new TypeError(`Failed to construct 'Request': Request cannot be constructed from a URL that includes credentials: ${href}`);
  return href;
}

let internalInit: RequestState | null = null;

export class Request {
  constructor(input: unknown, init?: Record<string, unknown>) {
    if (internalInit !== null) {
      requests.set(this, internalInit);
      internalInit = null;
      return;
    }
    requiredArguments(arguments.length, 1, "Failed to construct 'Request'");
    const opts = (init ?? {}) as Record<string, unknown>;
    if (init !== undefined && init !== null && !isObject(init)) throw new TypeError("Failed to construct 'Request': cannot convert init to a dictionary");
    let base: RequestState | null = null;
    let url: string;
    if (isRequest(input)) {
      base = rs(input);
      url = base.url;
    } else {
      url = parseUrl(toUSVString(input));
    }
    let method = base?.method ?? 'GET';
    if (opts.method !== undefined) {
      const m = toByteString(opts.method);
      if (!METHOD_TOKEN.test(m)) throw new TypeError(`Failed to construct 'Request': '${m}' is not a valid HTTP method.`);
      const upper = m.toUpperCase();
      if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`Failed to construct 'Request': '${m}' HTTP method is unsupported.`);
      method = NORMALIZED.has(upper) ? upper : m;
    }
    const signal = newSignal();
    const parentSignal = opts.signal !== undefined ? opts.signal : base?.signal;
    if (parentSignal !== undefined && parentSignal !== null) {
      if (!isAbortSignal(parentSignal)) throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
      if (parentSignal.aborted) signalAbort(signal, parentSignal.reason);
      else addAbortAlgorithm(parentSignal, () => signalAbort(signal, parentSignal.reason));
    }
    const headers = new Headers();
    const initHeaders = opts.headers !== undefined ? opts.headers : base !== null ? base.headers : undefined;
    if (initHeaders !== undefined) {
      if (initHeaders instanceof Headers) for (const [k, v] of headerList(initHeaders)) headers.append(k, v);
      else fillHeaders(headers, initHeaders);
    }
    setGuard(headers, 'request');
    const inputBody = base?.body ?? null;
    const hasInitBody = opts.body !== undefined && opts.body !== null;
    if ((hasInitBody || inputBody !== null) && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError("Failed to construct 'Request': Request with GET/HEAD method cannot have body.");
    }
    let body: BodyState | null = null;
    if (hasInitBody) {
      const ex = extractBody(opts.body, Boolean(opts.keepalive));
      body = ex.body;
      if (ex.contentType !== null && !headers.has('content-type')) headers.append('content-type', ex.contentType);
      if (ex.body.stream !== null && opts.duplex !== 'half') {
        throw new TypeError("Failed to construct 'Request': The `duplex` member must be specified for a request with a streaming body");
      }
    } else if (inputBody !== null) {
      if (bodyUnusable(inputBody)) throw new TypeError("Failed to construct 'Request': Cannot construct a Request with a Request object that has already been used.");
      body = inputBody;
      // Transfer: the source request's body becomes used (spec step 41).
      if (base !== null) base.body = { source: null, stream: bodyStream(inputBody), used: true, length: inputBody.length };
      body = { ...inputBody };
    }
    const redirect = (opts.redirect ?? base?.redirect ?? 'follow') as string;
    if (!['follow', 'error', 'manual'].includes(redirect)) throw new TypeError(`Failed to construct 'Request': The provided value '${redirect}' is not a valid enum value of type RequestRedirect.`);
    requests.set(this, {
      method,
      url,
      headers,
      body,
      signal,
      redirect: redirect as RequestState['redirect'],
      credentials: String(opts.credentials ?? base?.credentials ?? 'same-origin'),
      mode: String(opts.mode ?? base?.mode ?? 'cors'),
      cache: String(opts.cache ?? base?.cache ?? 'default'),
      referrer: base?.referrer ?? 'about:client',
      referrerPolicy: String(opts.referrerPolicy ?? base?.referrerPolicy ?? ''),
      integrity: String(opts.integrity ?? base?.integrity ?? ''),
      keepalive: Boolean(opts.keepalive ?? base?.keepalive ?? false),
      duplex: 'half',
    });
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
  get body(): ReadableStream<Uint8Array> | null {
    const b = rs(this).body;
    return b === null ? null : bodyStream(b);
  }
  get bodyUsed(): boolean {
    const b = rs(this).body;
    return b !== null && (b.used || (b.stream !== null && bodyUnusable(b) && !b.stream.locked));
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
    const signal = newSignal();
    if (s.signal.aborted) signalAbort(signal, s.signal.reason);
    else addAbortAlgorithm(s.signal, () => signalAbort(signal, s.signal.reason));
    return makeRequest({ ...s, headers: cloneHeaders(s.headers, 'request'), body: cloneBody(s.body), signal });
  }
}
setToStringTag(Request, 'Request');

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

void AbortController;
