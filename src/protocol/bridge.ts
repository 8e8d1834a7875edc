// The wire contract between the host and the guest runtime inside an isolate: entry kinds, signal
// names and the shapes of the copies that cross. Compiled under both the host and guest tsconfigs.

/** Host → guest: the one guest function the host calls, `entry(origin, kind, a, b)`. */
export const Entry = {
  /**
   * a = request id, b = method, c = url, d = headers joined (see HEADER_SEP), e = body stream id
   * (0: no body). Primitives only: copying an object across costs ~2.5 µs a request. The guest
   * answers with `call('respond', id, status, statusText, headers, body, bodyStream)` (or queues
   * the response for Entry.collect, see outbox.ts) or `call('respondError', id, message, stack,
   * passThrough)` (passThrough 1: the handler called ctx.passThroughOnException()).
   */
  dispatch: 1,
  /** a = op id, b = [ok, value]. Completes an async host op started with `send('op', …)`. */
  complete: 2,
  /**
   * a = timer id, or a list of timer ids that fell due together (the host coalesces more than
   * TIMER_BATCH of them into one entry). Fires timers started with `send('timerStart', …)`.
   */
  timer: 3,
  /** a = stream id, b = chunk (an ArrayBuffer moved in, or a Uint8Array), null for end, or a string error message. */
  bodyPush: 4,
  /** a = stream id, b = max bytes. Returns a WireChunks batch of buffered response body bytes. */
  bodyTake: 5,
  /** a = stream id, b = reason. The client went away: cancel the response body stream. */
  bodyCancel: 6,
  /** a = the app's default export (module syntax) or undefined; b = frozen env JSON. */
  init: 7,
  /** a = env JSON. Service-worker syntax: defines the env bindings as globals (before app code). */
  envGlobals: 8,
  /**
   * a = several requests in one string (encodeBatch / decodeBatch in request-batch.ts). Requests
   * that arrive in one event-loop turn share one entry, one timeout timer and one string copy.
   */
  dispatchBatch: 9,
  /**
   * a = stream id, b = a SharedArrayBuffer (the stream's window). From now on the host takes this
   * stream's bytes with `bodyTakeInto` instead of `bodyTake`: the guest copies them into the
   * window and the host writes them to the socket from there, so bulk bodies cross with one copy
   * and leave no garbage on the host.
   */
  bodyWindow: 10,
  /**
   * a = stream id, b = offset in the window, c = max bytes. Copies buffered chunks there; returns
   * a WindowTake (window-take.ts).
   */
  bodyTakeInto: 11,
  /**
   * a = request id, b = reason. The client went away before the response was complete: the
   * request's `signal` aborts (an AbortError DOMException with the reason as message).
   */
  requestAbort: 12,
  /**
   * Returns what the guest queued since the last collect, as one string of records (outbox.ts).
   */
  collect: 13,
  /**
   * A memory-reducing full GC of the isolate (the lazy-load native module's reduceMemory), which
   * the host asks for once an app has been idle for a while (AppInstance.compactIfIdle).
   */
  reduceMemory: 14,
} as const;
export type EntryKind = (typeof Entry)[keyof typeof Entry];

/**
 * Separator of a header list sent as one string: name, value, name, value… HTTP header names and
 * values cannot contain a line feed (Node's parser rejects it, the guest's Headers validate it),
 * and one string crosses the isolate boundary far cheaper than an array.
 */
export const HEADER_SEP = '\n';

/**
 * Service-binding RPC (`env.AUTH.method(args)`): the caller's request names the method in this
 * header; the host moves it to the callee request's first header (stripping any other copy, and
 * every copy on requests from the listener), so a callee that sees it there knows the host put it.
 */
export const RPC_METHOD_HEADER = 'x-nano-rpc';
/** The callee's answer: "value" or "error", its body the encoded result (serve/rpc-codec.ts). */
export const RPC_RESULT_HEADER = 'x-nano-rpc-result';
/**
 * The first header of a request the host marks: from the listener, the HTTP version when it is not
 * "1.1" (a listener request without it is HTTP/1.1), which `request.cf` reports; from a service
 * binding, the empty string (no `request.cf`). The host strips any copy a client sends; the guest
 * takes it off before the app sees the headers.
 */
export const EDGE_HEADER = 'x-nano-edge';
/** An RPC method name: an identifier of at most 128 characters. */
export const RPC_METHOD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;

// The response outbox (Entry.collect) and its record format: outbox.ts.

/**
 * The arguments of `call('respond', …)` after the request id: status, statusText, headers joined
 * with HEADER_SEP, body, bodyStream. `body` is the whole body when the guest has it in memory: a
 * string (sent UTF-8 encoded; a string crosses cheaper than bytes) or bytes; null otherwise.
 * `bodyStream` is 0, or a stream id the host drains with `bodyTake`, or -1: the host pipes a body
 * it reserved for this response itself. The guest reserves it first with
 * `call('passBody', requestId, kind, sourceId)`: kind "request" (request `sourceId`'s own body) or
 * "fetch" (the response body of subrequest `sourceId`); the host answers true only while none of
 * that body has entered the isolate.
 */
export type RespondArgs = [status: number, statusText: string, headers: string, body: string | Uint8Array | null, bodyStream: number];

/** One batch of response body bytes; `done` is true once the stream closed, `error` if it failed. */
export interface WireChunks {
  readonly chunks: Uint8Array[];
  readonly done: boolean;
  readonly error: string | null;
}

/**
 * The app's limits the guest applies itself (`call('limits')` → this tuple). Console: lines per
 * second, bytes per second, longest line in bytes; the host applies them again, the guest's copy
 * keeps a flooding app from queueing host work and memory per line. WebAssembly: the pages (64
 * KiB) all of the app's wasm memories may hold together, its memoryMb (wasm memory is outside
 * the isolate's heap limit; the host caps each single memory with V8's --wasm-max-mem-pages).
 */
export type WireGuestLimits = [linesPerSec: number, bytesPerSec: number, maxLineBytes: number, wasmPages: number];
/** WebAssembly pages per MiB. */
export const WASM_PAGES_PER_MB = 16;
/**
 * Most bytes one `textDecode` host call takes (it runs on the main thread, shared by every app,
 * even for apps on the isolate pool); the guest splits larger inputs.
 */
export const TEXT_DECODE_MAX = 256 * 1024;
/**
 * Longest string (input or base) the `urlParse`/`urlSet` host calls take; a longer one is not a
 * valid URL. Parsing runs on the main thread, and a long non-ASCII path costs about a microsecond
 * a character; this is four times the longest request URL Cloudflare accepts (16 KiB).
 */
export const URL_MAX_LENGTH = 64 * 1024;
/** Largest chunk of a subrequest's body that crosses to the host in one `fetchWrite`; the guest splits larger ones. */
export const UPLOAD_CHUNK_MAX = 256 * 1024;

/** The log level of the guest's report of lines its console dropped (text: the count). */
export const LOG_DROPPED = 'nano:dropped';

/** Guest → host fire-and-forget signals: `send(name, …args)`. */
export const Signal = {
  /** level, text */
  log: 'log',
  /** timer id, delay ms, repeat (boolean) */
  timerStart: 'timerStart',
  /** timer id */
  timerClear: 'timerClear',
  /** op id, op name, args: an async host op; the host answers with Entry.complete. */
  op: 'op',
  /** stream id: the response body stream has bytes (or ended) for `bodyTake`. */
  bodyReady: 'bodyReady',
  /** stream id: the guest wants more request body bytes. */
  bodyPull: 'bodyPull',
  /** request id, +1 / -1: outstanding ctx.waitUntil promises. */
  waitUntil: 'waitUntil',
  /** request id, message, stack: an error that the app did not handle. */
  uncaught: 'uncaught',
  /**
   * The host's own, never the guest's: an entry the host started by itself (a timer, an op
   * completion) failed, or a signal carried unusable arguments; args: the error. RuntimeIsolate
   * drops a guest `send` of this name.
   */
  entryFailed: 'entryFailed',
} as const;
export type SignalName = (typeof Signal)[keyof typeof Signal];
/** The signals a guest may send (all but the host's entryFailed). */
export type GuestSignal = Exclude<SignalName, typeof Signal.entryFailed>;

// What Entry.bodyTakeInto returns: window-take.ts.

/** Live timers one isolate may have; setTimeout/setInterval past it throw (host-enforced too). */
export const MAX_LIVE_TIMERS = 1_000;
/**
 * HTML's timer clamp: a timer nested deeper than TIMER_NESTING_LEVEL (a setTimeout set from a
 * timer callback, or an interval's later firings) waits at least TIMER_CLAMP_MS.
 */
export const TIMER_NESTING_LEVEL = 5;
export const TIMER_CLAMP_MS = 4;
/** Timers of one isolate due in the same host turn past this many enter together, as a list. */
export const TIMER_BATCH = 8;

/** Upper bound of bytes one `bodyTake` batch returns (batches of about 1 MiB stream fastest: fewer crossings, each copy still cache-friendly). */
export const MAX_TAKE_BYTES = 1 << 20;

/**
 * Runtime units (src/runtime-guest/units.ts): code compiled in an isolate on first use from a
 * source the host shares between isolates: two npm polyfills, and the guest modules of the lazy
 * globals (named after their files in src/runtime-guest). boot() takes their sources after its
 * first two arguments, in this order; scripts/build.mjs writes each to dist/guest/units/<name>.js.
 */
export const UNITS = [
  'web-streams-polyfill',
  'urlpattern-polyfill',
  'fetch',
  'subtle-crypto',
  'file-reader',
  'performance',
  'navigator',
  'url-pattern',
  'text-streams',
  'compression',
  'form',
  'structured-clone',
  'events',
  'abort',
  'console',
  'report-error',
  'fetch-event',
  'encoding',
  'url',
  'crypto-random',
  'base64',
  'blob',
  'dom-exception',
  'mime-type',
  'service-rpc',
] as const;
export type UnitName = (typeof UNITS)[number];
