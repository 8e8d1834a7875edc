// The response outbox (Entry.collect). While an isolate runs on the main thread, a response whose
// body is a string of at most OUTBOX_MAX_BODY characters (or absent) is queued in the guest instead
// of crossing at once with `call('respond', …)`: after each entry returns (its microtasks done) the
// host takes every queued record with one Entry.collect, so one crossing serves a turn's batch.
// Encoders (guest) and the decoder (host) live together so the format has one definition.
//
// The queue is one string of records:
//   a response:       `r<id>\n<status>\n<statusTextLength>\n<headersLength>\n<bodyLength>\n`
//                     then statusText, headers (joined with HEADER_SEP) and body (length -1: none);
//   a body is ready:  `b<streamId>\n` (as Signal.bodyReady would say).
// The guest builds it by string concatenation only, so nothing a tenant patches on a prototype
// takes part; the host still checks every field, since the isolate is untrusted.

/**
 * The outbox flags are an Int32Array over a SharedArrayBuffer the host hands to boot():
 * [OUTBOX_WAITING] is set by the guest when it queues, cleared by collect;
 * [OUTBOX_ENABLED] is set by the host while it collects (main-thread execution).
 */
export const OUTBOX_WAITING = 0;
export const OUTBOX_ENABLED = 1;
export const OUTBOX_MAX_BODY = 64 * 1024;

/** Guest side: the record of a response with no body (null) or a string body. */
export function encodeOutboxResponse(id: number, status: number, statusText: string, headers: string, body: string | null): string {
  return `r${id}\n${status}\n${statusText.length}\n${headers.length}\n${body === null ? -1 : body.length}\n${statusText}${headers}${body ?? ''}`;
}

/** Guest side: the record saying response body stream `streamId` has bytes (or ended). */
export function encodeOutboxBodyReady(streamId: number): string {
  return `b${streamId}\n`;
}

export interface OutboxSink {
  response(id: number, status: number, statusText: string, headers: string, body: string | null): void;
  bodyReady(streamId: number): void;
}

const INTEGER = /^-?\d{1,15}$/;

/** The integer in text[from, to), or null when it is not one. */
function integerAt(text: string, from: number, to: number): number | null {
  if (to < 0) return null;
  const s = text.slice(from, to);
  return INTEGER.test(s) ? Number(s) : null;
}

/**
 * Host side: hands each record of `text` to `sink`, in order. Returns false at the first record that
 * breaks the format (the records before it were delivered): the caller treats it as a protocol
 * violation of that app.
 */
export function decodeOutbox(text: string, sink: OutboxSink): boolean {
  let i = 0;
  while (i < text.length) {
    const kind = text[i];
    const a = text.indexOf('\n', i);
    const id = integerAt(text, i + 1, a);
    if (id === null || id < 0) return false;
    if (kind === 'b') {
      i = a + 1;
      sink.bodyReady(id);
      continue;
    }
    if (kind !== 'r') return false;
    const b = text.indexOf('\n', a + 1);
    const c = text.indexOf('\n', b + 1);
    const d = text.indexOf('\n', c + 1);
    const e = text.indexOf('\n', d + 1);
    const status = integerAt(text, a + 1, b);
    const statusTextLength = integerAt(text, b + 1, c);
    const headersLength = integerAt(text, c + 1, d);
    const bodyLength = integerAt(text, d + 1, e);
    if (status === null || statusTextLength === null || headersLength === null || bodyLength === null) return false;
    if (statusTextLength < 0 || headersLength < 0 || bodyLength < -1) return false;
    let p = e + 1;
    const end = p + statusTextLength + headersLength + Math.max(bodyLength, 0);
    if (end > text.length) return false;
    const statusText = text.slice(p, (p += statusTextLength));
    const headers = text.slice(p, (p += headersLength));
    const body = bodyLength < 0 ? null : text.slice(p, (p += bodyLength));
    i = p;
    sink.response(id, status, statusText, headers, body);
  }
  return true;
}
