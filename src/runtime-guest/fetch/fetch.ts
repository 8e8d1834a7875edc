// fetch() (https://fetch.spec.whatwg.org/#fetch-method) for apps: the request goes to the host's
// `fetch` op (src/host-calls/fetch.ts), which applies the network policy and runs it on Node's
// fetch. A streaming request body is pumped to the host chunk by chunk (each op resolves when the
// host has room), and the response body is a byte stream that asks the host for a batch per pull.
import { hostOp } from '../core/host.js';
import { TypedArrayByteLength, TypedArraySubarray } from '../core/primordials.js';
import { UPLOAD_CHUNK_MAX } from '../../protocol/bridge.js';
import { requiredArguments } from '../core/webidl.js';
import { streams, type ReadableStream, type ReadableByteStreamController } from '../streams/streams.js';
import { readChunk, bare, strategy } from '../streams/stream-internals.js';
import type { UnderlyingByteSource } from 'web-streams-polyfill';
import { Request, rs } from './request.js';
import { makeResponse, type ResponseState } from './response.js';
import { headersFromFlat, headersToFlat } from './headers.js';
import { type BodyState, bodyStream, takeSourceBytes, markUsed } from './body.js';
import { addAbortAlgorithm } from '../events/abort.js';
import { blobFetch } from './blob-fetch.js';
import type { Response } from './response.js';
import { markPassSource } from '../serve/pass-through.js';

interface WireHead {
  status: number;
  statusText: string;
  headers: string[];
  url: string;
  redirected: boolean;
  hasBody: boolean;
}

let nextId = 1;
const toTypeError = (message: string, name: string): Error => {
  if (name === 'AbortError') {
    const DOMEx = (globalThis as unknown as { DOMException: new (m: string, n: string) => Error }).DOMException;
    return new DOMEx(message, 'AbortError');
  }
  return new TypeError(message);
};
const ignore = (): void => {};

/** Tells the host to drop a subrequest whose response the app lost without reading it. */
const dropped = new FinalizationRegistry<number>((id) => {
  hostOp('fetchCancel', [id]).catch(ignore);
});

/** Reads the request body stream and hands it to the host; stops when the subrequest ends. */
async function pumpUpload(id: number, body: BodyState, stop: { aborted: boolean }): Promise<void> {
  const reader = bodyStream(body).getReader();
  markUsed(body);
  try {
    for (;;) {
      const { done, value } = await readChunk(reader);
      if (stop.aborted) {
        await reader.cancel().catch(ignore);
        return;
      }
      if (done) {
        await hostOp('fetchWrite', [id, null]);
        return;
      }
      if (!(value instanceof Uint8Array)) throw new TypeError('Request body chunks must be Uint8Array');
      // In pieces the host holds at most one of beyond its buffer (UPLOAD_CHUNK_MAX).
      const length = TypedArrayByteLength(value);
      for (let at = 0; at < length; at += UPLOAD_CHUNK_MAX) {
        await hostOp('fetchWrite', [id, at === 0 && length <= UPLOAD_CHUNK_MAX ? value : TypedArraySubarray(value, at, at + UPLOAD_CHUNK_MAX)]);
      }
    }
  } catch (err) {
    // The host stopped taking the body (the subrequest ended or failed) or the stream errored.
    hostOp('fetchWrite', [id, err instanceof Error ? err.message : 'the request body failed']).catch(ignore);
    await reader.cancel(err).catch(ignore);
  }
}

/** The response body: a byte stream pulling one host batch at a time. */
function responseBody(id: number, state: { controller: ReadableByteStreamController | null }): ReadableStream<Uint8Array> {
  const stream = new (streams().ReadableStream)<Uint8Array>(bare<UnderlyingByteSource>({
    type: 'bytes',
    start(c: ReadableByteStreamController) {
      state.controller = c;
    },
    async pull(c: ReadableByteStreamController) {
      const r = await hostOp<{ chunks: Uint8Array[]; done: boolean }>('fetchRead', [id], toTypeError);
      for (const chunk of r.chunks) if (chunk.byteLength > 0) c.enqueue(chunk);
      if (r.done) {
        c.close();
        c.byobRequest?.respond(0);
      }
    },
    cancel() {
      hostOp('fetchCancel', [id]).catch(ignore);
    },
  }), strategy());
  markPassSource(stream, 'fetch', id);
  return stream;
}

export function fetch(input: unknown, init: unknown = undefined): Promise<Response> {
  try {
    requiredArguments(arguments.length, 1, "Failed to execute 'fetch'");
    // Step 2: the Request constructor does the argument conversion and validation.
    const request = new Request(input, init as Record<string, unknown> | undefined);
    return start(request, null);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** A service binding's fetch(): the same request, sent to the NANO app `service` in process. */
export function fetchService(service: string, input: unknown, init: unknown): Promise<Response> {
  try {
    return start(new Request(input, init as Record<string, unknown> | undefined), service);
  } catch (err) {
    return Promise.reject(err);
  }
}

function start(request: Request, service: string | null): Promise<Response> {
  const s = rs(request);
  const signal = s.signal;
  if (signal.aborted) return Promise.reject(signal.reason);
  // A blob: URL is this isolate's own (blob-url.ts): answered here, never sent to the host.
  if (service === null && s.url.startsWith('blob:')) {
    try {
      return Promise.resolve(blobFetch(s));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  const id = nextId++;
  let streamBody: BodyState | null = null;
  let bytes: Uint8Array | null = null;
  if (s.body !== null) {
    bytes = takeSourceBytes(s.body);
    if (bytes === null) streamBody = s.body;
  }
  const wire = { method: s.method, url: s.url, headers: headersToFlat(s.headers), redirect: s.redirect, integrity: s.integrity, body: bytes, stream: streamBody !== null, length: streamBody !== null ? streamBody.length : null, service: service ?? '' };
  const stop = { aborted: false };
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const body: { controller: ReadableByteStreamController | null } = { controller: null };
    // https://fetch.spec.whatwg.org/#abort-fetch: reject, and error a body still being read.
    const removeAbort = addAbortAlgorithm(signal, () => {
      stop.aborted = true;
      hostOp('fetchCancel', [id]).catch(ignore);
      if (!settled) {
        settled = true;
        reject(signal.reason);
      } else if (body.controller !== null) {
        try {
          body.controller.error(signal.reason);
        } catch {
          // the body already ended
        }
      }
    });
    hostOp<WireHead>('fetch', [id, wire], toTypeError).then(
      (head) => {
        if (settled) {
          hostOp('fetchCancel', [id]).catch(ignore);
          return;
        }
        settled = true;
        const state: ResponseState = {
          type: 'basic',
          status: head.status,
          statusText: head.statusText,
          headers: headersFromFlat(head.headers, 'immutable'),
          body: null,
          urlList: [head.url],
          redirected: head.redirected,
        };
        if (head.hasBody) {
          const stream = responseBody(id, body);
          state.body = { source: null, stream, used: false, length: null };
          dropped.register(stream, id);
        } else {
          removeAbort();
        }
        resolve(makeResponse(state));
      },
      (err: unknown) => {
        removeAbort();
        stop.aborted = true;
        if (settled) return;
        settled = true;
        reject(err);
      },
    );
    if (streamBody !== null) void pumpUpload(id, streamBody, stop);
  });
}
