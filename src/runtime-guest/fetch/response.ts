// Response (https://fetch.spec.whatwg.org/#response-class), with Response.json/redirect/error.
import { defineInterface, requiredArguments, toUSVString, toByteString, isObject } from '../core/webidl.js';
import { Headers, fillHeaders, setGuard, cloneHeaders } from './headers.js';
import { textBody, type BodyState, extractBody, bodyStream, bodyUnusable, bodyDisturbed, cloneBody, bodyText, bodyJson, bodyArrayBuffer, bodyBytes, bodyBlob, bodyFormData } from './body.js';
import { hostCall } from '../core/host.js';
import { baseUrl } from './request.js';
import type { ReadableStream } from '../streams/streams.js';

export interface ResponseState {
  type: 'basic' | 'cors' | 'default' | 'error' | 'opaque' | 'opaqueredirect';
  status: number;
  statusText: string;
  headers: Headers;
  body: BodyState | null;
  urlList: string[];
  redirected: boolean;
}
// State lives in a private field (not a WeakMap): a WeakMap entry per object makes every young
// object an ephemeron key, and the tables' churn showed up as scavenge and mark-compact time
// on the request path.
let stateOf: (self: unknown) => ResponseState | undefined;
export function resp(self: unknown): ResponseState {
  const s = stateOf(self);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}
export function isResponse(v: unknown): v is Response {
  return stateOf(v) !== undefined;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

let internalInit: ResponseState | null = null;

/** https://fetch.spec.whatwg.org/#initialize-a-response */
function initialize(s: ResponseState, init: Record<string, unknown>, body: { body: BodyState; contentType: string | null } | null): void {
  if (init.status !== undefined) {
    const n = Number(init.status);
    const status = Number.isFinite(n) ? ((Math.trunc(n) % 65536) + 65536) % 65536 : 0;
    if (status < 200 || status > 599) throw new RangeError(`Failed to construct 'Response': The status provided (${status}) is outside the range [200, 599].`);
    s.status = status;
  }
  if (init.statusText !== undefined) {
    const t = toByteString(init.statusText);
    if (!REASON_PHRASE.test(t)) throw new TypeError("Failed to construct 'Response': Invalid statusText");
    s.statusText = t;
  }
  if (init.headers !== undefined) fillHeaders(s.headers, init.headers);
  if (body !== null) {
    if (NULL_BODY_STATUS.has(s.status)) throw new TypeError(`Failed to construct 'Response': Response with null body status cannot have body`);
    s.body = body.body;
    if (body.contentType !== null && !s.headers.has('content-type')) s.headers.append('content-type', body.contentType);
  }
}

export class Response {
  #state!: ResponseState;
  static {
    stateOf = (self) => (typeof self === 'object' && self !== null && #state in self ? (self as Response).#state : undefined);
  }
  constructor(body: unknown = null, init: unknown = {}) {
    if (internalInit !== null) {
      this.#state = internalInit;
      internalInit = null;
      return;
    }
    if (init !== undefined && init !== null && !isObject(init)) throw new TypeError("Failed to construct 'Response': cannot convert init to a dictionary");
    const s: ResponseState = { type: 'default', status: 200, statusText: '', headers: new Headers(), body: null, urlList: [], redirected: false };
    setGuard(s.headers, 'response');
    this.#state = s;
    const extracted = body === null || body === undefined ? null : extractBody(body);
    initialize(s, (init ?? {}) as Record<string, unknown>, extracted);
  }
  static error(): Response {
    const r = makeResponse({ type: 'error', status: 0, statusText: '', headers: new Headers(), body: null, urlList: [], redirected: false });
    setGuard(resp(r).headers, 'immutable');
    return r;
  }
  static redirect(url: unknown, status: unknown = 302): Response {
    requiredArguments(arguments.length, 1, "Failed to execute 'redirect' on 'Response'");
    const parts = hostCall<string[] | null>('urlParse', toUSVString(url), baseUrl());
    if (parts === null) throw new TypeError(`Failed to execute 'redirect' on 'Response': Invalid URL`);
    const code = Number(status);
    if (!REDIRECT_STATUS.has(code)) throw new RangeError(`Failed to execute 'redirect' on 'Response': Invalid status code ${String(status)}`);
    const r = makeResponse({ type: 'default', status: code, statusText: '', headers: new Headers(), body: null, urlList: [], redirected: false });
    const h = resp(r).headers;
    h.set('location', parts[0] as string);
    setGuard(h, 'immutable');
    return r;
  }
  static json(data: unknown, init: unknown = {}): Response {
    requiredArguments(arguments.length, 1, "Failed to execute 'json' on 'Response'");
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Failed to execute 'json' on 'Response': The data is not JSON serializable");
    const s: ResponseState = { type: 'default', status: 200, statusText: '', headers: new Headers(), body: null, urlList: [], redirected: false };
    setGuard(s.headers, 'response');
    // JSON.stringify escapes lone surrogates, so the text is well-formed and its UTF-8 exact.
    initialize(s, (init ?? {}) as Record<string, unknown>, { body: textBody(text), contentType: 'application/json' });
    return makeResponse(s);
  }
  get type(): string { return resp(this).type; }
  get url(): string {
    const l = resp(this).urlList;
    const u = l[l.length - 1];
    return u === undefined ? '' : u.replace(/#.*$/, '');
  }
  get redirected(): boolean { return resp(this).redirected; }
  get status(): number { return resp(this).status; }
  get ok(): boolean { const s = resp(this).status; return s >= 200 && s <= 299; }
  get statusText(): string { return resp(this).statusText; }
  get headers(): Headers { return resp(this).headers; }
  get body(): ReadableStream<Uint8Array> | null {
    const b = resp(this).body;
    return b === null ? null : bodyStream(b);
  }
  get bodyUsed(): boolean {
    return bodyDisturbed(resp(this).body);
  }
  arrayBuffer(): Promise<ArrayBuffer> { return guard(this, () => bodyArrayBuffer(resp(this).body)); }
  bytes(): Promise<Uint8Array> { return guard(this, () => bodyBytes(resp(this).body)); }
  text(): Promise<string> { return guard(this, () => bodyText(resp(this).body)); }
  json(): Promise<unknown> { return guard(this, () => bodyJson(resp(this).body)); }
  blob(): Promise<unknown> { return guard(this, () => bodyBlob(resp(this).body, resp(this).headers.get('content-type'))); }
  formData(): Promise<unknown> { return guard(this, () => bodyFormData(resp(this).body, resp(this).headers.get('content-type'))); }
  clone(): Response {
    const s = resp(this);
    if (bodyUnusable(s.body)) throw new TypeError("Failed to execute 'clone' on 'Response': Response body is already used");
    return makeResponse({ ...s, headers: cloneHeaders(s.headers, s.type === 'error' ? 'immutable' : 'response'), body: cloneBody(s.body), urlList: [...s.urlList] });
  }
}
defineInterface(Response, 'Response', { ctorLength: 0, staticLengths: { redirect: 1, json: 1 } });

function guard<T>(self: Response, fn: () => Promise<T>): Promise<T> {
  try {
    resp(self);
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

export function makeResponse(state: ResponseState): Response {
  internalInit = state;
  return new Response();
}
