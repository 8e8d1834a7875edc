// The request batch (Entry.dispatchBatch): the requests of one event-loop turn in one string, so
// they cross into the isolate as one copy. Encoded by the host (isolates/dispatch-queue.ts),
// decoded by the guest (runtime-guest/index.ts); compiled under both tsconfigs.
import { HEADER_SEP } from './bridge.js';

/** Separator of requests in a batch: NUL cannot occur in a method, URL or header. */
export const BATCH_SEP = '\0';

/** One request of a batch. `headers` is the header list joined with HEADER_SEP ('' for none). */
export interface BatchedRequest {
  readonly id: number;
  /** The request body's stream id, 0 without a body. */
  readonly bodyStream: number;
  readonly method: string;
  readonly url: string;
  readonly headers: string;
}

/** Requests joined by BATCH_SEP, each one's fields (id, body stream, method, url, headers) by HEADER_SEP. */
export function encodeBatch(batch: readonly BatchedRequest[]): string {
  return batch.map((d) => `${d.id}${HEADER_SEP}${d.bodyStream}${HEADER_SEP}${d.method}${HEADER_SEP}${d.url}${d.headers === '' ? '' : HEADER_SEP + d.headers}`).join(BATCH_SEP);
}

/**
 * Calls `onRequest` for each request of a batch, in order. Fields are found by index, not
 * split(): the header part stays one string until a handler reads request.headers (most never
 * do), so a request allocates no array or string per header here.
 */
export function decodeBatch(batch: string, onRequest: (id: number, bodyStream: number, method: string, url: string, headers: string) => void): void {
  let start = 0;
  for (;;) {
    let end = batch.indexOf(BATCH_SEP, start);
    if (end < 0) end = batch.length;
    const a = batch.indexOf(HEADER_SEP, start);
    const b = batch.indexOf(HEADER_SEP, a + 1);
    const c = batch.indexOf(HEADER_SEP, b + 1);
    const d = batch.indexOf(HEADER_SEP, c + 1);
    const hasHeaders = d >= 0 && d < end;
    onRequest(Number(batch.slice(start, a)), Number(batch.slice(a + 1, b)), batch.slice(b + 1, c), batch.slice(c + 1, hasHeaders ? d : end), hasHeaders ? batch.slice(d + 1, end) : '');
    if (end === batch.length) return;
    start = end + 1;
  }
}
