// The wire contract between the host and the guest runtime inside an isolate: entry kinds, signal
// names and the shapes of the copies that cross. Compiled under both the host and guest tsconfigs.

/** Host → guest: the one guest function the host calls, `entry(origin, kind, a, b)`. */
export const Entry = {
  /** a = WireRequest. The guest answers through `call('respond', …)` or `call('fail', …)`. */
  dispatch: 1,
  /** a = op id, b = [ok, value]. Completes an async host op started with `send('op', …)`. */
  complete: 2,
  /** a = timer id. Fires a timer started with `send('timer', …)`. */
  timer: 3,
  /** a = stream id, b = chunk (Uint8Array), null for end, or a string error message. */
  bodyPush: 4,
  /** a = stream id, b = max bytes. Returns a WireChunks batch of buffered response body bytes. */
  bodyTake: 5,
  /** a = stream id, b = reason. The client went away: cancel the response body stream. */
  bodyCancel: 6,
  /** a = the app's default export (module syntax) or undefined; b = frozen env JSON. */
  init: 7,
  /** a = env JSON. Service-worker syntax: defines the env bindings as globals (before app code). */
  envGlobals: 8,
} as const;
export type EntryKind = (typeof Entry)[keyof typeof Entry];

/** A request as it crosses into the isolate. Headers are a flat [name, value, …] list. */
export interface WireRequest {
  readonly id: number;
  readonly method: string;
  readonly url: string;
  readonly headers: string[];
  /** 0: no body. Otherwise the id of a body stream the host feeds with `bodyPush`. */
  readonly bodyStream: number;
}

/** A response as it crosses out of the isolate. */
export interface WireResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: string[];
  /** The whole body when the guest already has it in memory; otherwise null. */
  readonly body: Uint8Array | null;
  /** 0: see `body`. Otherwise a stream id the host drains with `bodyTake`. */
  readonly bodyStream: number;
}

/** One batch of response body bytes; `done` is true once the stream closed, `error` if it failed. */
export interface WireChunks {
  readonly chunks: Uint8Array[];
  readonly done: boolean;
  readonly error: string | null;
}

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
} as const;

/** Upper bound of bytes one `bodyTake` batch returns (DESIGN.md: ~1 MiB batches stream fastest). */
export const MAX_TAKE_BYTES = 1 << 20;
