// The guest's end of the response outbox (src/protocol/outbox.ts): while the host collects after
// each entry (main-thread execution), small responses and "body ready" notes queue here instead of
// calling the host one by one.
import { encodeOutboxBodyReady, encodeOutboxResponse, OUTBOX_ENABLED, OUTBOX_MAX_BODY, OUTBOX_WAITING } from '../../protocol/outbox.js';
import { SharedArrayBufferCtor } from '../core/primordials.js';

let outboxFlags: Int32Array | null = null;
// A string, built by concatenation only, so nothing an app patches on Array.prototype touches it.
let outbox = '';

/** boot(): the host's outbox flags; none (the snapshot's warm-up) means every response calls back. */
export function setOutbox(sab: unknown): void {
  outboxFlags = SharedArrayBufferCtor !== undefined && sab instanceof SharedArrayBufferCtor ? new Int32Array(sab) : null;
}

/** Whether the host collects the outbox now. */
export function outboxOpen(): boolean {
  return outboxFlags !== null && outboxFlags[OUTBOX_ENABLED] === 1;
}

/** Whether a response body of this form fits an outbox record. */
export function fitsOutbox(body: unknown): body is string | null {
  return body === null || (typeof body === 'string' && body.length <= OUTBOX_MAX_BODY);
}

/** Queues a response (outboxOpen() must be true). */
export function queueResponse(id: number, status: number, statusText: string, headers: string, body: string | null): void {
  outbox += encodeOutboxResponse(id, status, statusText, headers, body);
  (outboxFlags as Int32Array)[OUTBOX_WAITING] = 1;
}

/** Queues "response body stream `streamId` has bytes" (outboxOpen() must be true). */
export function queueBodyReady(streamId: number): void {
  outbox += encodeOutboxBodyReady(streamId);
  (outboxFlags as Int32Array)[OUTBOX_WAITING] = 1;
}

/** Entry.collect. */
export function takeOutbox(): string {
  const text = outbox;
  outbox = '';
  if (outboxFlags !== null) outboxFlags[OUTBOX_WAITING] = 0;
  return text;
}
