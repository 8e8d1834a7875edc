// The host's record of one request in flight in an app's isolate, and the form in which requests
// of one event-loop turn are queued and sent to the isolate together (Entry.dispatchBatch).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BATCH_SEP, HEADER_SEP } from '../protocol/bridge.js';
import type { RuntimeIsolate } from './runtime-isolate.js';
import type { StreamWindow } from './stream-window.js';
import type { PipedDownload } from '../host-calls/fetch.js';

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

export interface QueuedDispatch {
  readonly f: InFlight;
  readonly method: string;
  readonly url: string;
  readonly headers: string;
  readonly bodyStream: number;
}

/** The dispatchBatch string: requests joined by BATCH_SEP, each one's fields by HEADER_SEP. */
export function encodeBatch(batch: readonly QueuedDispatch[]): string {
  return batch
    .map((d) => `${d.f.id}${HEADER_SEP}${d.bodyStream}${HEADER_SEP}${d.method}${HEADER_SEP}${d.url}${d.headers === '' ? '' : HEADER_SEP + d.headers}`)
    .join(BATCH_SEP);
}
