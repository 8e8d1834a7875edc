// The Body mixin shared by Request and Response (https://fetch.spec.whatwg.org/#body-mixin):
// extracting a body from BodyInit, consuming it once, and teeing it for clone(). A body given as
// bytes stays bytes until someone asks for `.body`, so plain responses never build a stream.
import { streams, isReadableStream, type ReadableStream, type ReadableByteStreamController } from '../streams/streams.js';
import type { UnderlyingByteSource } from 'web-streams-polyfill';
import { readChunk, teeCloning, bare, strategy } from '../streams/stream-internals.js';
import { utf8Encode, utf8DecodeAll } from '../encoding/utf8.js';
import { lazyUnit } from '../core/units.js';

type FormUnit = typeof import('./form.js');
/** FormData, File and multipart (the `form` runtime unit; index.ts's FormData and File globals too). */
export const form = lazyUnit<FormUnit>('form');
/** URL and URLSearchParams (a unit): no URLSearchParams exists before it is loaded. */
const urlUnit = lazyUnit<typeof import('../url/url.js')>('url');
/** MIME type parsing (a unit), for blob() and formData(). */
const mimeUnit = lazyUnit<typeof import('./mime-type.js')>('mime-type');
/** Blob (a unit): no Blob exists before it is loaded. */
const blobUnit = lazyUnit<typeof import('../file/blob.js')>('blob');
/** FormData brand check without loading the unit: no FormData exists before it is loaded. */
function isFormDataLoaded(value: unknown): boolean {
  return form.peek()?.isFormData(value) === true;
}
import { isObject, toUSVString } from '../core/webidl.js';

export interface BodyState {
  /** Bytes known up front (string, BufferSource, Blob, FormData, URLSearchParams); null when streamed. */
  source: Uint8Array | null;
  /** Created lazily from `source`, or the stream the body was given as. */
  stream: ReadableStream<Uint8Array> | null;
  /** Set when a byte body was consumed without ever building its stream. */
  used: boolean;
  /** Body length in bytes when known. */
  length: number | null;
  /**
   * The string the bytes were encoded from, when the body was given as one: the host takes it
   * instead of the bytes (a string crosses the isolate boundary ~2.5 µs cheaper).
   */
  text?: string;
}

export interface Extracted {
  body: BodyState;
  contentType: string | null;
}

function bytesBody(bytes: Uint8Array): BodyState {
  return { source: bytes, stream: null, used: false, length: bytes.byteLength };
}

/** A body given as a string (a USVString: well-formed, so its UTF-8 form is exact). */
export function textBody(text: string): BodyState {
  const bytes = utf8Encode(text);
  return { source: bytes, stream: null, used: false, length: bytes.byteLength, text };
}

/** https://fetch.spec.whatwg.org/#concept-bodyinit-extract (the WebIDL union, in its order). */
export function extractBody(init: unknown, keepalive = false): Extracted {
  void keepalive;
  if (isObject(init)) {
    const blob = blobUnit.peek();
    if (blob !== undefined && blob.isBlob(init)) {
      const type = init.type;
      return { body: bytesBody(blob.blobBytes(init)), contentType: type === '' ? null : type };
    }
    if (init instanceof ArrayBuffer) return { body: bytesBody(new Uint8Array(init.slice(0))), contentType: null };
    if (ArrayBuffer.isView(init)) {
      const view = new Uint8Array(init.buffer, init.byteOffset, init.byteLength);
      return { body: bytesBody(view.slice()), contentType: null };
    }
    if (isFormDataLoaded(init)) {
      const { bytes, contentType } = form().encodeMultipart(init as InstanceType<FormUnit['FormData']>);
      return { body: bytesBody(bytes), contentType };
    }
    const url = urlUnit.peek();
    if (url !== undefined && init instanceof url.URLSearchParams) {
      return { body: bytesBody(utf8Encode(url.serializeUrlencoded([...init]))), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
    }
    if (isReadableStream(init)) {
      if (init.locked || isDisturbed(init)) throw new TypeError('The body stream is locked or has already been read');
      return { body: { source: null, stream: init as ReadableStream<Uint8Array>, used: false, length: null }, contentType: null };
    }
  }
  // Anything else is converted to the union's USVString (WebIDL's fallback for objects too).
  return { body: textBody(toUSVString(init)), contentType: 'text/plain;charset=UTF-8' };
}

/** The polyfill's [[disturbed]] slot: set by any read or cancel, also through a reader or pipe. */
export function isDisturbed(stream: ReadableStream): boolean {
  return (stream as unknown as { _disturbed?: boolean })._disturbed === true;
}

/** Streams built from a byte source, so a host can still take the bytes directly. */
const lazySources = new WeakMap<object, Uint8Array>();

/** The body's ReadableStream, created on first access for byte bodies (a byte stream). */
export function bodyStream(b: BodyState): ReadableStream<Uint8Array> {
  if (b.stream === null) {
    const bytes = b.source ?? new Uint8Array(0);
    const stream = new (streams().ReadableStream)<Uint8Array>(bare<UnderlyingByteSource>({
      type: 'bytes',
      start(controller: ReadableByteStreamController) {
        // Byte streams transfer what they are given: enqueue a copy, the source may be shared.
        if (bytes.byteLength > 0) controller.enqueue(bytes.slice());
        controller.close();
      },
    }), strategy());
    lazySources.set(stream, bytes);
    b.stream = stream;
    if (b.used) lockAndClose(stream);
  }
  return b.stream;
}

/**
 * The bytes of a body that is still whole in memory and untouched, marking it used; null when it
 * must be read as a stream. Lets the host send `new Response(bytes)` without a stream even after
 * someone looked at `.body`.
 */
export function takeSourceBytes(b: BodyState): Uint8Array | null {
  if (b.stream === null) {
    if (b.used) return null;
    b.used = true;
    return b.source ?? new Uint8Array(0);
  }
  const lazy = lazySources.get(b.stream);
  if (lazy === undefined || b.stream.locked || isDisturbed(b.stream)) return null;
  b.used = true;
  lockAndClose(b.stream);
  return lazy;
}

/** Leaves a stream as reading it to the end through a reader would: disturbed, closed, locked. */
function lockAndClose(stream: ReadableStream): void {
  void stream.getReader().cancel();
}

/**
 * The body a Request made from another Request gets (https://fetch.spec.whatwg.org/#dom-request
 * step 44, "creating a proxy"): bytes still in memory are shared, a stream is piped through an
 * identity TransformStream. Either way the source body is used from now on.
 */
export function proxyBody(b: BodyState): BodyState {
  const lazy = b.stream === null ? b.source : lazySources.get(b.stream);
  if (b.stream === null || lazy !== undefined) {
    const bytes = lazy ?? new Uint8Array(0);
    retireBody(b);
    return { source: bytes, stream: null, used: false, length: b.length };
  }
  const stream = b.stream.pipeThrough(new (streams().TransformStream)<Uint8Array, Uint8Array>(bare({}), strategy(), strategy()));
  b.used = true;
  return { source: null, stream, used: false, length: b.length };
}

/** Marks a body used without reading it; a stream made from its bytes is closed and locked. */
export function retireBody(b: BodyState): void {
  b.used = true;
  if (b.stream !== null && !b.stream.locked && lazySources.has(b.stream)) lockAndClose(b.stream);
}

/** https://fetch.spec.whatwg.org/#body-disturbed — what `bodyUsed` reports. */
export function bodyDisturbed(b: BodyState | null): boolean {
  if (b === null) return false;
  return b.used || (b.stream !== null && isDisturbed(b.stream));
}

/** https://fetch.spec.whatwg.org/#body-unusable */
export function bodyUnusable(b: BodyState | null): boolean {
  if (b === null) return false;
  return bodyDisturbed(b) || (b.stream !== null && b.stream.locked);
}

/**
 * https://fetch.spec.whatwg.org/#concept-body-consume-body — all the bytes, in a null-prototype
 * box: the promise chain carries no object whose `then` tenant code could have replaced.
 */
export async function consumeBytes(b: BodyState | null): Promise<{ readonly bytes: Uint8Array }> {
  const out = Object.create(null) as { bytes: Uint8Array };
  if (b === null) {
    out.bytes = new Uint8Array(0);
    return out;
  }
  if (bodyUnusable(b)) throw new TypeError('Body has already been used');
  const direct = takeSourceBytes(b);
  if (direct !== null) {
    out.bytes = direct;
    return out;
  }
  const reader = (b.stream as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const r = await readChunk(reader);
    if (r.done) break;
    const value = r.value;
    if (!(value instanceof Uint8Array)) {
      const err = new TypeError('Body stream chunks must be Uint8Array');
      await reader.cancel(err).catch(() => {});
      throw err;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  if (chunks.length === 1) {
    out.bytes = chunks[0] as Uint8Array;
    return out;
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  out.bytes = all;
  return out;
}

/** Marks a body's stream read through the runtime (host streaming) as used. */
export function markUsed(b: BodyState): void {
  b.used = true;
}

export async function bodyText(b: BodyState | null): Promise<string> {
  return utf8DecodeAll((await consumeBytes(b)).bytes);
}
export async function bodyJson(b: BodyState | null): Promise<unknown> {
  return JSON.parse(await bodyText(b)) as unknown;
}
export async function bodyArrayBuffer(b: BodyState | null): Promise<ArrayBuffer> {
  // A copy: source bytes may be shared with a clone or a Blob.
  return (await consumeBytes(b)).bytes.slice().buffer as ArrayBuffer;
}
export async function bodyBytes(b: BodyState | null): Promise<Uint8Array> {
  return (await consumeBytes(b)).bytes.slice();
}
/** blob(): the bytes with the MIME type extracted from the headers (https://fetch.spec.whatwg.org/#dom-body-blob). */
export async function bodyBlob(b: BodyState | null, contentType: string | null): Promise<unknown> {
  const bytes = (await consumeBytes(b)).bytes.slice();
  const { extractMimeType, serializeMimeType } = mimeUnit();
  const mime = extractMimeType(contentType);
  return blobUnit().makeBlob(bytes, mime === null ? '' : serializeMimeType(mime));
}
export async function bodyFormData(b: BodyState | null, contentType: string | null): Promise<unknown> {
  const { bytes } = await consumeBytes(b);
  return form().parseFormBody(bytes, mimeUnit().extractMimeType(contentType), b === null);
}

/** https://fetch.spec.whatwg.org/#concept-body-clone */
export function cloneBody(b: BodyState | null): BodyState | null {
  if (b === null) return null;
  if (bodyUnusable(b)) throw new TypeError('Body has already been used');
  if (b.stream === null) return { source: b.source, stream: null, used: false, length: b.length };
  // A stream made from bytes and never touched: the clone gets the bytes, no tee needed.
  const lazy = lazySources.get(b.stream);
  if (lazy !== undefined) return { source: lazy, stream: null, used: false, length: b.length };
  const [s1, s2] = teeCloning(b.stream);
  b.stream = s1;
  return { source: null, stream: s2, used: false, length: b.length };
}
