// The "blob" scheme fetch (https://fetch.spec.whatwg.org/#scheme-fetch): a fetch of a blob: URL
// is answered in the isolate from the Blob its Request resolved when it parsed the URL
// (blob-url.ts), with no host call. Range requests get the spec's single-range 206 answer.
import { blobBytes, blobType, makeBlob, type Blob } from '../file/blob.js';
import { extractBody } from './body.js';
import { headersFromFlat } from './headers.js';
import { parseMimeType } from './mime-type.js';
import { makeResponse, type Response } from './response.js';
import type { RequestState } from './request.js';

function networkError(reason: string): TypeError {
  return new TypeError(`Failed to fetch: ${reason}`);
}

/**
 * https://fetch.spec.whatwg.org/#simple-range-header-value ("parse a single range header value"
 * with allowWhitespace): `bytes=start-end`, either bound may be missing but not both, start ≤ end.
 */
const RANGE = /^bytes[\t ]*=[\t ]*(\d*)[\t ]*-[\t ]*(\d*)$/i;
function parseRange(value: string): [number | null, number | null] | null {
  const m = RANGE.exec(value);
  if (m === null) return null;
  const start = m[1] === '' || m[1] === undefined ? null : Number(m[1]);
  const end = m[2] === '' || m[2] === undefined ? null : Number(m[2]);
  if (start === null && end === null) return null;
  if (start !== null && end !== null && start > end) return null;
  return [start, end];
}

/** Steps of the scheme fetch for "blob"; a network error is thrown as the TypeError fetch rejects with. */
export function blobFetch(s: RequestState): Response {
  // Steps 1-2 (and 6-7: the entry is a Blob or nothing).
  const blob: Blob | undefined = s.blobEntry;
  if (s.method !== 'GET') throw networkError(`${s.method} is not allowed for a blob: URL, only GET.`);
  if (blob === undefined) throw networkError('the blob: URL was revoked or never created in this app.');
  const bytes = blobBytes(blob);
  // Step 11, with a type that is no MIME type at all (`new Blob([], { type: 'invalid' })`) served
  // as none: what browsers do and WPT fetch/api/basic/scheme-blob expects.
  const type = parseMimeType(blobType(blob)) === null ? '' : blobType(blob);
  // Steps 9-11.
  const fullLength = bytes.byteLength;
  const rangeHeader = s.headers.get('range');
  let status = 200;
  let statusText = 'OK';
  let body = bytes;
  let headers: string[];
  if (rangeHeader === null) {
    // Step 12.
    headers = ['content-length', String(fullLength), 'content-type', type];
  } else {
    // Step 13.
    const range = parseRange(rangeHeader);
    if (range === null) throw networkError(`the Range header '${rangeHeader}' is not a single byte range.`);
    let [start, end] = range;
    if (start === null) {
      // A suffix range: the last `end` bytes, all of them when the Blob is shorter (as in HTTP;
      // an empty suffix selects nothing, which HTTP calls unsatisfiable).
      if (end === 0 || fullLength === 0) throw networkError(`the Range header '${rangeHeader}' selects no bytes.`);
      start = Math.max(fullLength - (end as number), 0);
      end = fullLength - 1;
    } else {
      if (start >= fullLength) throw networkError(`the Range header '${rangeHeader}' starts past the end of the Blob.`);
      if (end === null || end >= fullLength) end = fullLength - 1;
    }
    body = bytes.subarray(start, end + 1);
    status = 206;
    statusText = 'Partial Content';
    headers = ['content-length', String(body.byteLength), 'content-type', type, 'content-range', `bytes ${start}-${end}/${fullLength}`];
  }
  return makeResponse({
    type: 'basic',
    status,
    statusText,
    headers: headersFromFlat(headers, 'immutable'),
    // "Safely extracting" the (sliced) Blob: its bytes, shared, never written to.
    body: extractBody(makeBlob(body, type)).body,
    urlList: [s.url],
    redirected: false,
  });
}
