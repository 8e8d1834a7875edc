// The host's record of one request in flight in an app's isolate, the form in which it waits for
// its turn's batch (Entry.dispatchBatch), and how the modules that move its bytes end it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BatchedRequest } from '../protocol/request-batch.js';
import type { RuntimeIsolate } from './runtime-isolate.js';
import type { StreamWindow } from './stream-window.js';
import type { PipedDownload } from '../host-calls/fetch.js';
import type { ErrorCode } from '../errors/registry.js';

export interface InFlight {
  readonly id: number;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly isolate: RuntimeIsolate;
  readonly started: number;
  cpuMs: number;
  responded: boolean;
  /** Dispatched a second time, in a fresh isolate, after its first isolate was stopped at the main thread's slice. */
  retried: boolean;
  /**
   * A streaming response's status line and headers, held until its first body bytes (or its end)
   * are written, so a failure before then can still answer with an error status.
   */
  head: { readonly status: number; readonly statusText: string; readonly headers: string[] } | null;
  finished: boolean;
  streamId: number;
  streamReady: boolean;
  taking: boolean;
  /** Response body bytes taken so far (a bulk stream gets a window, see stream-window.ts). */
  tookBytes: number;
  window: StreamWindow | null;
  bodyBytes: number;
  bodyWaiting: boolean;
  /** The request has a body the guest has not read to its end yet. */
  bodyOpen: boolean;
  /** The host pipes this request's body to a response itself (the guest returned it untouched). */
  bodyPiped: boolean;
  /** What the host pipes into this request's response itself (respond with bodyStream -1). */
  pipe: { readonly kind: 'request'; readonly source: InFlight } | { readonly kind: 'fetch'; readonly download: PipedDownload } | null;
}

/** A request waiting for this turn's batch (dispatch-queue.ts): its record and its batch fields. */
export interface QueuedDispatch extends BatchedRequest {
  readonly f: InFlight;
}

/**
 * How the parts of an app that move a request's bytes (response-stream.ts, request-body.ts,
 * dispatch-queue.ts) end it or report a failure; AppInstance implements them.
 */
export interface RequestEnds {
  /** The exchange is over (response complete, cut, or the client left): forget the request. */
  complete(f: InFlight): void;
  /** Answers with NANO's own error (or cuts the connection once headers went out), then completes. */
  finishWithError(f: InFlight, code: ErrorCode, message: string): void;
  /** The client went away before the response finished. */
  clientGone(f: InFlight): void;
  /** An entry into the isolate for request (or batch) `origin` failed. */
  entryFailed(origin: number, err: unknown): void;
  /** The guest broke the wire contract while serving `origin`. */
  violation(origin: number, what: string): void;
  /** A host callback on the request path threw. */
  hostFault(origin: number, err: unknown): void;
  /** The timeout of an entry for `origin` (limit-enforcer.ts). */
  entryTimeout(origin: number): number;
}
