// The Body mixin shared by Request and Response (https://fetch.spec.whatwg.org/#body-mixin):
// extracting a body from BodyInit, consuming it once, and teeing it for clone(). A body given as
// bytes stays bytes until someone asks for `.body`, so plain responses never build a stream.
import { ReadableStream } from './streams.js';
import { utf8Encode, utf8DecodeAll } from './encoding.js';
import { URLSearchParams, serializeUrlencoded } from './url.js';
import { DOMException } from './dom-exception.js';

export interface BodyState {
  /** Bytes known up front (string, BufferSource, URLSearchParams); null when streamed. */
  source: Uint8Array | null;
  /** Created lazily from `source`, or the stream the body was given as. */
  stream: ReadableStream<Uint8Array> | null;
  /** Set once the body was read through a mixin method or its stream was locked by one. */
  used: boolean;
  /** Body length in bytes when known. */
  length: number | null;
}

export interface Extracted {
  body: BodyState;
  contentType: string | null;
}

/** Hooks for body types added by other modules (Blob, FormData) without import cycles. */
export const bodyExtensions: {
  extract: ((init: object) => Extracted | null)[];
  toBlob: ((bytes: Uint8Array, type: string) => unknown) | null;
  toFormData: ((bytes: Uint8Array, contentType: string) => unknown) | null;
} = { extract: [], toBlob: null, toFormData: null };

/** https://fetch.spec.whatwg.org/#concept-bodyinit-extract */
export function extractBody(init: unknown, keepalive = false): Extracted {
  void keepalive;
  if (typeof init === 'string') {
    const bytes = utf8Encode(init);
    return { body: { source: bytes, stream: null, used: false, length: bytes.length }, contentType: 'text/plain;charset=UTF-8' };
  }
  if (init instanceof ArrayBuffer) {
    const bytes = new Uint8Array(init.slice(0));
    return { body: { source: bytes, stream: null, used: false, length: bytes.length }, contentType: null };
  }
  if (ArrayBuffer.isView(init)) {
    const bytes = new Uint8Array(init.buffer.slice(init.byteOffset, init.byteOffset + init.byteLength));
    return { body: { source: bytes, stream: null, used: false, length: bytes.length }, contentType: null };
  }
  if (init instanceof URLSearchParams) {
    const bytes = utf8Encode(serializeUrlencoded([...init]));
    return { body: { source: bytes, stream: null, used: false, length: bytes.length }, contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (init instanceof ReadableStream) {
    if (init.locked || isDisturbed(init)) throw new TypeError('The body stream is locked or has already been read');
    return { body: { source: null, stream: init as ReadableStream<Uint8Array>, used: false, length: null }, contentType: null };
  }
  if (typeof init === 'object' && init !== null) {
    for (const ext of bodyExtensions.extract) {
      const r = ext(init);
      if (r !== null) return r;
    }
  }
  // Anything else is stringified (WebIDL USVString fallback of the union).
  return extractBody(String(init));
}

const disturbed = new WeakSet<object>();
export function isDisturbed(stream: ReadableStream): boolean {
  return disturbed.has(stream);
}

/** The body's ReadableStream, created on first access for byte bodies. */
export function bodyStream(b: BodyState): ReadableStream<Uint8Array> {
  if (b.stream === null) {
    const bytes = b.source ?? new Uint8Array(0);
    b.stream = new ReadableStream<Uint8Array>({
      type: 'bytes',
      start(controller: { enqueue(c: Uint8Array): void; close(): void }) {
        if (bytes.length > 0) controller.enqueue(bytes.slice());
        controller.close();
      },
    } as never);
  }
  return b.stream;
}

export function bodyUnusable(b: BodyState | null): boolean {
  if (b === null) return false;
  return b.used || (b.stream !== null && (b.stream.locked || isDisturbed(b.stream)));
}

/** https://fetch.spec.whatwg.org/#concept-body-consume-body — resolves to all the bytes. */
export async function consumeBytes(b: BodyState | null): Promise<Uint8Array> {
  if (b === null) return new Uint8Array(0);
  if (bodyUnusable(b)) throw new TypeError('Body has already been used');
  b.used = true;
  if (b.stream === null) {
    return b.source ?? new Uint8Array(0);
  }
  const stream = b.stream;
  disturbed.add(stream);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      const err = new TypeError('Body stream chunks must be Uint8Array');
      await reader.cancel(err).catch(() => {});
      throw err;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Marks a stream read through the runtime (host streaming, pipeTo) as disturbed. */
export function markDisturbed(stream: ReadableStream): void {
  disturbed.add(stream);
}

export interface BodyOwner {
  readonly body: BodyState | null;
  readonly contentType: string | null;
}

export async function bodyText(b: BodyState | null): Promise<string> {
  return utf8DecodeAll(await consumeBytes(b));
}
export async function bodyJson(b: BodyState | null): Promise<unknown> {
  return JSON.parse(await bodyText(b)) as unknown;
}
export async function bodyArrayBuffer(b: BodyState | null): Promise<ArrayBuffer> {
  const bytes = await consumeBytes(b);
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && b?.stream !== null
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
}
export async function bodyBytes(b: BodyState | null): Promise<Uint8Array> {
  const bytes = await consumeBytes(b);
  return b?.stream === null ? bytes.slice() : bytes;
}
export async function bodyBlob(b: BodyState | null, contentType: string | null): Promise<unknown> {
  const bytes = await consumeBytes(b);
  if (bodyExtensions.toBlob === null) throw new TypeError('Blob is not available');
  return bodyExtensions.toBlob(bytes, contentType ?? '');
}
export async function bodyFormData(b: BodyState | null, contentType: string | null): Promise<unknown> {
  const bytes = await consumeBytes(b);
  if (bodyExtensions.toFormData === null) throw new TypeError('FormData is not available');
  return bodyExtensions.toFormData(bytes, contentType ?? '');
}

/** https://fetch.spec.whatwg.org/#concept-body-clone */
export function cloneBody(b: BodyState | null): BodyState | null {
  if (b === null) return null;
  if (bodyUnusable(b)) throw new TypeError('Body has already been used');
  if (b.stream === null) return { source: b.source, stream: null, used: false, length: b.length };
  const [s1, s2] = b.stream.tee();
  b.stream = s1;
  return { source: null, stream: s2, used: false, length: b.length };
}

void DOMException;
