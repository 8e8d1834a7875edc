// The fetch.* async ops behind the guest's fetch(): subrequests run on Node's fetch (undici) with a
// connector of our own, so every connection — the first and each redirect — is checked against the
// network policy after DNS resolution (no rebinding around it). Request bodies stream guest → host
// and response bodies host → guest, each with a bounded buffer so a slow side slows the other.
import { OpError, type AsyncOp, type OpContext } from './ops.js';
import { UPLOAD_CHUNK_MAX } from '../protocol/bridge.js';
import { RefusedError, dispatcherFor, type Dispatcher, type DispatchOptions } from './network-policy.js';
import { countLoopHops } from './cdn-loop.js';
import type { FETCH_OPS } from '../protocol/host-api.js';
import { APP_LIMIT_DEFAULTS, LOOP_NAME_DEFAULT } from '../config/schema.js';

export { protectEndpoint, parseAllowEntry, describeAllowEntry } from './network-policy.js';

/** Bytes buffered per direction per subrequest before the other side must wait (fixed, not config: the API reference reads it from here). */
export const BODY_BUFFER_BYTES = 1 << 20;

/** What an app may do over the network (from its config); read by the ops through isolateState. */
export interface FetchPolicy {
  readonly maxConcurrent: number;
  readonly timeoutMs: number;
  /** Entries of the config's and the app's `fetch.allow`: "host", "host:port", "ip", "[ipv6]:port", "cidr". */
  readonly allow: readonly string[];
  /** The name this server adds to each subrequest's CDN-Loop header (`server.loopName`). */
  readonly loopName: string;
  /** Service bindings: binding name → the NANO app it calls. */
  readonly services?: Readonly<Record<string, string>>;
  /** Serves a service binding's request with the named app of this process (no network). */
  readonly dispatchService?: ServiceDispatch;
}

/** A request for another app of this process; the body is bytes, a stream, or absent. */
export interface ServiceRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: readonly [string, string][];
  readonly body: Uint8Array | ReadableStream<Uint8Array> | null;
  readonly signal: AbortSignal;
}
export type ServiceDispatch = (app: string, request: ServiceRequest) => Promise<Response>;
/** The isolateState key under which an app's FetchPolicy is seeded (see RuntimeIsolateOptions). */
export const FETCH_POLICY = Symbol('fetch policy');
/**
 * The isolateState key of a function giving the CDN-Loop header of the incoming request an op
 * works for (its origin), '' when there is none or the request has ended.
 */
export const INCOMING_CDN_LOOP = Symbol('incoming CDN-Loop');

/** The policy of an isolate seeded without one (tests, tools): the schema's defaults, no allow-list. */
const DEFAULT_POLICY: FetchPolicy = { maxConcurrent: APP_LIMIT_DEFAULTS.subrequests, timeoutMs: APP_LIMIT_DEFAULTS.subrequestTimeoutMs, allow: [], loopName: LOOP_NAME_DEFAULT };

// --- per-isolate subrequest state ---------------------------------------------------------------

/** The guest's request body, fed by fetchWrite ops and pulled by undici. */
class Upload {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #ended = false;
  #error: Error | null = null;
  #pullWaiter: (() => void) | null = null;
  #writeWaiters: (() => void)[] = [];
  readonly stream: ReadableStream<Uint8Array>;

  constructor() {
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: (c) => this.#pull(c),
        cancel: () => this.fail(new Error('upload cancelled')),
      },
      { highWaterMark: 0 },
    );
  }
  async #pull(c: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    while (this.#chunks.length === 0 && !this.#ended && this.#error === null) {
      await new Promise<void>((resolve) => (this.#pullWaiter = resolve));
    }
    if (this.#error !== null) throw this.#error;
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      this.#bytes -= chunk.byteLength;
      c.enqueue(chunk);
      if (this.#bytes < BODY_BUFFER_BYTES) this.#wakeWriters();
    } else if (this.#ended) c.close();
  }
  #wakeWriters(): void {
    const w = this.#writeWaiters;
    this.#writeWaiters = [];
    for (const fn of w) fn();
  }
  #wakePull(): void {
    const p = this.#pullWaiter;
    this.#pullWaiter = null;
    p?.();
  }
  /** Resolves when the chunk is buffered below the limit; throws once the subrequest is over. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#error !== null || this.#ended) throw new OpError('TypeError', 'The subrequest is no longer sending its body');
    if (chunk.byteLength > 0) {
      this.#chunks.push(chunk);
      this.#bytes += chunk.byteLength;
      this.#wakePull();
    }
    while (this.#bytes >= BODY_BUFFER_BYTES && this.#error === null) await new Promise<void>((resolve) => this.#writeWaiters.push(resolve));
    if (this.#error !== null) throw new OpError('TypeError', 'The subrequest is no longer sending its body');
  }
  end(): void {
    this.#ended = true;
    this.#wakePull();
  }
  fail(err: Error): void {
    if (this.#error !== null) return;
    this.#error = err;
    this.#chunks = [];
    this.#bytes = 0;
    this.#wakePull();
    this.#wakeWriters();
  }
}

/** The response body, read ahead up to BODY_BUFFER_BYTES and handed to the guest in batches. */
interface Download {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  chunks: Uint8Array[];
  bytes: number;
  reading: boolean;
  done: boolean;
  error: string | null;
  waiter: (() => void) | null;
  /** Some of the body went to the guest (a fetchRead returned chunks). */
  delivered: boolean;
  /** The host pipes the body to a response itself (takeDownload); the guest gets no more. */
  piped: boolean;
}

interface Subrequest {
  readonly abort: AbortController;
  upload: Upload | null;
  download: Download | null;
}

class FetchTable {
  readonly live = new Map<number, Subrequest>();
  dispose(): void {
    for (const s of this.live.values()) cancel(s, 'the app was stopped');
    this.live.clear();
  }
}
const STATE = Symbol('fetch subrequests');
function table(ctx: OpContext): FetchTable {
  let t = ctx.isolateState.get(STATE) as FetchTable | undefined;
  if (t === undefined) {
    t = new FetchTable();
    ctx.isolateState.set(STATE, t);
  }
  return t;
}
function policyOf(ctx: OpContext): FetchPolicy {
  return (ctx.isolateState.get(FETCH_POLICY) as FetchPolicy | undefined) ?? DEFAULT_POLICY;
}

function cancel(s: Subrequest, reason: string): void {
  s.abort.abort(new Error(reason));
  s.upload?.fail(new Error(reason));
  const d = s.download;
  if (d !== null && !d.done) {
    d.done = true;
    d.error ??= reason;
    d.reader.cancel().catch(() => {});
    d.waiter?.();
  }
}

/** Reads ahead from undici while less than BODY_BUFFER_BYTES wait for the guest. */
function fill(d: Download): void {
  if (d.reading || d.done || d.bytes >= BODY_BUFFER_BYTES) return;
  d.reading = true;
  d.reader.read().then(
    (r) => {
      d.reading = false;
      if (r.done) d.done = true;
      else if (r.value.byteLength > 0) {
        d.chunks.push(r.value);
        d.bytes += r.value.byteLength;
      }
      const w = d.waiter;
      d.waiter = null;
      w?.();
      fill(d);
    },
    (err: unknown) => {
      d.reading = false;
      d.done = true;
      d.error ??= `network error while reading the response body: ${describe(err)}`;
      const w = d.waiter;
      d.waiter = null;
      w?.();
    },
  );
}

/** A short, path-free description of a network failure. */
function describe(err: unknown): string {
  let e = err;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    if (e instanceof RefusedError) return e.message;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return `${code}${e.message.includes(code) ? '' : ` (${(e.message.split('\n')[0] as string).slice(0, 120)})`}`;
    if (e.cause === undefined) return e.message.split('\n')[0] as string;
    e = e.cause;
  }
  return String(e);
}
function refusedIn(err: unknown): RefusedError | null {
  let e = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    if (e instanceof RefusedError) return e;
    e = e.cause;
  }
  return null;
}

/** Headers undici manages itself (or refuses); the rest pass through as the app set them. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'content-length', 'host', 'expect', 'cdn-loop']);
/**
 * Headers undici's fetch adds to every request (Fetch's "append a default"); a subrequest carries
 * them only when the app set them itself, as under workerd.
 */
const FETCH_DEFAULTS = ['accept', 'accept-language', 'accept-encoding', 'sec-fetch-mode', 'user-agent'];

/**
 * The dispatcher of one subrequest: for the request and every redirect it sends, drops the headers
 * undici added that the app did not set, sets CDN-Loop, and gives a streamed body of known length
 * a Content-Length (undici then frames it by length and fails the request if the body differs).
 */
function subrequestDispatcher(agent: Dispatcher, appSet: ReadonlySet<string>, cdnLoop: string, length: number | null): Dispatcher {
  return {
    dispatch(opts: DispatchOptions, handler: object): boolean {
      const headers: Record<string, string | string[]> = {};
      const given = opts.headers;
      if (Array.isArray(given)) for (let i = 0; i + 1 < given.length; i += 2) headers[(given[i] as string).toLowerCase()] = given[i + 1] as string;
      else if (given !== null && given !== undefined) for (const [k, v] of Object.entries(given)) headers[k.toLowerCase()] = v;
      for (const name of FETCH_DEFAULTS) if (!appSet.has(name)) delete headers[name];
      headers['cdn-loop'] = cdnLoop;
      if (length !== null && opts.body !== null && opts.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(length);
      return agent.dispatch({ ...opts, headers }, handler);
    },
  };
}

/** The CDN-Loop value of a subrequest: the longer of the app's and the incoming request's, plus us. */
function nextCdnLoop(appValue: string | null, incoming: string, name: string): string {
  const base = appValue !== null && countLoopHops(appValue, name) >= countLoopHops(incoming, name) ? appValue : incoming;
  return base.trim() === '' ? name : `${base}, ${name}`;
}

interface WireFetch {
  method: string;
  url: string;
  headers: string[];
  redirect: 'follow' | 'error' | 'manual';
  /** Subresource Integrity metadata; undici checks the body against it. */
  integrity: string;
  body: Uint8Array | null;
  stream: boolean;
  /** A streamed body's length when the guest knows it, else null (checked by undici as it sends). */
  length?: number | null;
  /** The app a service binding calls, or '' for a network fetch. */
  service: string;
}
function validWire(w: unknown): w is WireFetch {
  if (typeof w !== 'object' || w === null) return false;
  const o = w as Record<string, unknown>;
  return (
    typeof o.method === 'string' &&
    typeof o.url === 'string' &&
    Array.isArray(o.headers) &&
    o.headers.length % 2 === 0 &&
    o.headers.every((h) => typeof h === 'string') &&
    (o.redirect === 'follow' || o.redirect === 'error' || o.redirect === 'manual') &&
    typeof o.integrity === 'string' &&
    (o.body === null || o.body instanceof Uint8Array) &&
    typeof o.stream === 'boolean' &&
    (o.length === undefined || o.length === null || (typeof o.length === 'number' && Number.isSafeInteger(o.length) && o.length >= 0)) &&
    typeof o.service === 'string'
  );
}

/** A service binding's subrequest goes only to an app the caller is bound to, answered in process. */
function serviceFor(policy: FetchPolicy, app: string): (request: ServiceRequest) => Promise<Response> {
  const dispatch = policy.dispatchService;
  const bound = policy.services !== undefined && Object.values(policy.services).includes(app);
  if (!bound || dispatch === undefined) throw new OpError('TypeError', `fetch: this app has no service binding to "${app}"`);
  return (request) => dispatch(app, request);
}

/** What the guest gets once the response headers are in. */
export interface WireFetchResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: string[];
  readonly url: string;
  readonly redirected: boolean;
  readonly hasBody: boolean;
}

const fetchOp: AsyncOp = async (args, ctx) => {
  const [id, wire] = args;
  if (typeof id !== 'number' || !validWire(wire)) throw new OpError('TypeError', 'fetch: bad arguments');
  const t = table(ctx);
  const policy = policyOf(ctx);
  if (t.live.has(id)) throw new OpError('TypeError', 'fetch: duplicate subrequest id');
  // @limit subrequests: the app's subrequests in flight, counted until their bodies are read or cancelled.
  if (t.live.size >= policy.maxConcurrent) {
    throw new OpError('TypeError', `fetch refused: this app already has ${policy.maxConcurrent} subrequests in flight (limits.subrequests); read or cancel response bodies it no longer needs`);
  }
  const url = URL.parse(wire.url);
  if (url === null) throw new OpError('TypeError', 'fetch: invalid URL');
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'data:') {
    throw new OpError('TypeError', `fetch: the URL scheme "${url.protocol.slice(0, -1)}" is not supported (use http, https or data)`);
  }
  const service = wire.service === '' ? null : serviceFor(policy, wire.service);
  // Registered before the first await: fetchWrite/fetchCancel for this id may come right after.
  const sub: Subrequest = { abort: new AbortController(), upload: wire.stream ? new Upload() : null, download: null };
  t.live.set(id, sub);
  const headers: [string, string][] = [];
  const appSet = new Set<string>();
  let appLoop: string | null = null;
  let declaredLength: number | null = null;
  for (let i = 0; i < wire.headers.length; i += 2) {
    const name = (wire.headers[i] as string).toLowerCase();
    const value = wire.headers[i + 1] as string;
    appSet.add(name);
    if (name === 'cdn-loop') appLoop = appLoop === null ? value : `${appLoop}, ${value}`;
    if (name === 'content-length' && /^\d{1,15}$/.test(value.trim())) declaredLength = Number(value.trim());
    if (!HOP_HEADERS.has(name)) headers.push([name, value]);
  }
  const body = sub.upload !== null ? sub.upload.stream : wire.body;
  // A streamed body's length: the guest's when it knows it, else the Content-Length the app set.
  const streamLength = sub.upload === null ? null : (wire.length ?? declaredLength);
  const incoming = ctx.isolateState.get(INCOMING_CDN_LOOP) as ((origin: number) => string) | undefined;
  const cdnLoop = nextCdnLoop(appLoop, incoming?.(ctx.origin) ?? '', policy.loopName);
  // @limit subrequestTimeoutMs: time until the response headers.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    sub.abort.abort(new Error('timeout'));
  }, policy.timeoutMs);
  let res: Response;
  try {
    const init = {
      method: wire.method,
      headers,
      redirect: wire.redirect,
      ...(wire.integrity !== '' ? { integrity: wire.integrity } : {}),
      signal: sub.abort.signal,
      dispatcher: subrequestDispatcher(await dispatcherFor(policy.allow), appSet, cdnLoop, streamLength),
      ...(body !== null ? { body, duplex: 'half' } : {}),
    };
    res = service === null ? await fetch(url, init as unknown as RequestInit) : await service({ method: wire.method, url, headers, body, signal: sub.abort.signal });
  } catch (err) {
    t.live.delete(id);
    sub.upload?.fail(new Error('failed'));
    const refused = refusedIn(err);
    if (refused !== null) throw new OpError('TypeError', `fetch to ${url.origin} refused: ${refused.message}`);
    if (timedOut) throw new OpError('TypeError', `fetch to ${url.origin} timed out: no response within ${policy.timeoutMs} ms (limits.subrequestTimeoutMs)`);
    if (sub.abort.signal.aborted) throw new OpError('AbortError', 'The operation was aborted.');
    throw new OpError('TypeError', `fetch to ${url.origin} failed: ${describe(err)}`);
  } finally {
    clearTimeout(timer);
  }
  const flat: string[] = [];
  for (const [k, v] of res.headers) if (k !== 'set-cookie') flat.push(k, v);
  for (const c of res.headers.getSetCookie()) flat.push('set-cookie', c);
  const head: WireFetchResponse = { status: res.status, statusText: res.statusText, headers: flat, url: res.url === '' ? url.href : res.url, redirected: res.redirected, hasBody: res.body !== null };
  if (res.body === null) {
    t.live.delete(id);
    sub.upload?.end();
  } else {
    sub.download = { reader: res.body.getReader(), chunks: [], bytes: 0, reading: false, done: false, error: null, waiter: null, delivered: false, piped: false };
    fill(sub.download);
  }
  return head;
};

const fetchWrite: AsyncOp = async (args, ctx) => {
  const [id, chunk] = args;
  const sub = typeof id === 'number' ? table(ctx).live.get(id) : undefined;
  if (sub === undefined || sub.upload === null) throw new OpError('TypeError', 'The subrequest is no longer sending its body');
  if (chunk === null) sub.upload.end();
  else if (typeof chunk === 'string') sub.upload.fail(new Error(chunk));
  else if (chunk instanceof Uint8Array) {
    // The guest splits larger chunks: one past the bound would be held in the host's memory at once.
    if (chunk.byteLength > UPLOAD_CHUNK_MAX) throw new OpError('TypeError', `Request body chunks cross in pieces of at most ${UPLOAD_CHUNK_MAX} bytes`);
    await sub.upload.write(chunk);
  }
  else throw new OpError('TypeError', 'Request body chunks must be Uint8Array');
  return null;
};

const fetchRead: AsyncOp = async (args, ctx) => {
  const id = args[0];
  const t = table(ctx);
  const sub = typeof id === 'number' ? t.live.get(id) : undefined;
  const d = sub?.download;
  if (sub === undefined || d === null || d === undefined) return { chunks: [], done: true };
  while (!d.piped && d.chunks.length === 0 && !d.done) await new Promise<void>((resolve) => (d.waiter = resolve));
  // Taken over by the host while this read waited: the guest's stream (locked, unread) just ends.
  if (d.piped) return { chunks: [], done: true };
  if (d.chunks.length > 0) {
    const out = d.chunks;
    d.chunks = [];
    d.bytes = 0;
    d.delivered = true;
    fill(d);
    return { chunks: out, done: false };
  }
  t.live.delete(id as number);
  if (d.error !== null) throw new OpError('TypeError', d.error);
  return { chunks: [], done: true };
};

/** A subrequest's response body that the host sends on itself (see takeDownload). */
export interface PipedDownload {
  /** The next chunks read from upstream, or null at the end; rejects on a network error. */
  next(): Promise<Uint8Array[] | null>;
  /** Stops reading and aborts the subrequest (the client left). */
  cancel(reason: string): void;
}

/**
 * Hands subrequest `id`'s response body to the host, which pipes it to a response without it
 * entering the isolate, when none of it has gone to the guest yet (null otherwise). The
 * subrequest keeps counting against the app's limit until the body ends or is cancelled.
 */
export function takeDownload(ctx: OpContext, id: number): PipedDownload | null {
  const t = table(ctx);
  const sub = t.live.get(id);
  const d = sub?.download;
  if (sub === undefined || d === null || d === undefined || d.delivered || d.piped) return null;
  d.piped = true;
  // A fetchRead waiting for bytes wakes and answers "done" to the guest.
  const w = d.waiter;
  d.waiter = null;
  w?.();
  return {
    async next() {
      while (d.chunks.length === 0 && !d.done) await new Promise<void>((resolve) => (d.waiter = resolve));
      if (d.chunks.length > 0) {
        const out = d.chunks;
        d.chunks = [];
        d.bytes = 0;
        fill(d);
        return out;
      }
      if (t.live.get(id) === sub) t.live.delete(id);
      if (d.error !== null) throw new Error(d.error);
      return null;
    },
    cancel(reason: string) {
      if (t.live.get(id) !== sub) return;
      t.live.delete(id);
      cancel(sub, reason);
    },
  };
}

const fetchCancel: AsyncOp = (args, ctx) => {
  const id = args[0];
  const t = table(ctx);
  const sub = typeof id === 'number' ? t.live.get(id) : undefined;
  if (sub !== undefined) {
    t.live.delete(id as number);
    cancel(sub, 'cancelled by the app');
  }
  return Promise.resolve(null);
};

/** The fetch ops, by name (registered in registry.ts). */
export const FETCH_HANDLERS: Readonly<Record<(typeof FETCH_OPS)[number], AsyncOp>> = { fetch: fetchOp, fetchWrite, fetchRead, fetchCancel };
