// Blob (https://w3c.github.io/FileAPI/#blob-section). A Blob holds one immutable byte buffer that
// it copied at construction; slice() shares it through a view, so slicing never copies.
import { defineInterface, isObject, toDictionary, toEnum, toLongLong, toSequence, toUSVString, toDOMString } from '../core/webidl.js';
import { utf8Encode, utf8DecodeAll } from '../encoding/utf8.js';
import { streams, type ReadableStream, type ReadableByteStreamController } from '../streams/streams.js';
import type { UnderlyingByteSource } from 'web-streams-polyfill';
import { bare, strategy } from '../streams/stream-internals.js';
import { registerCloneable } from '../html/cloneable.js';

interface BlobState {
  bytes: Uint8Array;
  type: string;
}
const blobs = new WeakMap<object, BlobState>();
function bs(self: unknown): BlobState {
  const s = blobs.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

export function isBlob(value: unknown): value is Blob {
  return blobs.has(value as object);
}
/** The Blob's bytes (shared, never to be written to). */
export function blobBytes(blob: Blob): Uint8Array {
  return bs(blob).bytes;
}

/** The Blob's type from its state (app code may have replaced the `type` getter). */
export function blobType(blob: Blob): string {
  return bs(blob).type;
}

/** The spec's type normalisation: lowercase ASCII, or '' if it holds a char outside U+0020–U+007E. */
export function normalizeType(type: string): string {
  return /^[\x20-\x7e]*$/.test(type) ? type.toLowerCase() : '';
}

/** https://w3c.github.io/FileAPI/#convert-line-endings-to-native (LF on the platforms NANO runs on). */
function toNativeLineEndings(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/** Converts each BlobPart the way WebIDL converts the union (Blob or BufferSource or USVString). */
export function convertBlobParts(parts: unknown, context: string): unknown[] {
  if (parts === undefined) return [];
  return toSequence(parts, context, (p) => {
    if (isObject(p) && (isBlob(p) || p instanceof ArrayBuffer || ArrayBuffer.isView(p))) return p;
    return toUSVString(p);
  });
}

/** https://w3c.github.io/FileAPI/#process-blob-parts */
export function processBlobParts(parts: unknown[], endings: 'transparent' | 'native'): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const p of parts) {
    let bytes: Uint8Array;
    if (typeof p === 'string') bytes = utf8Encode(endings === 'native' ? toNativeLineEndings(p) : p);
    else if (isBlob(p)) bytes = bs(p).bytes;
    else if (p instanceof ArrayBuffer) bytes = new Uint8Array(p.slice(0));
    else {
      const v = p as ArrayBufferView;
      bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
    }
    chunks.push(bytes);
    total += bytes.byteLength;
  }
  // Every chunk is already a private copy or an immutable Blob buffer, so one chunk is kept as is.
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** BlobPropertyBag members in WebIDL order (endings, type). */
export function convertBlobOptions(options: unknown, context: string): { endings: 'transparent' | 'native'; type: string; dict: Record<string, unknown> } {
  const dict = toDictionary(options, context);
  const rawEndings = dict.endings;
  const endings = rawEndings === undefined ? 'transparent' : toEnum(rawEndings, ['transparent', 'native'] as const, 'EndingType', context);
  const rawType = dict.type;
  const type = rawType === undefined ? '' : normalizeType(toDOMString(rawType));
  return { endings, type, dict };
}

let internal: BlobState | null = null;

export class Blob {
  constructor(blobParts: unknown = undefined, options: unknown = undefined) {
    if (internal !== null) {
      blobs.set(this, internal);
      internal = null;
      return;
    }
    const parts = convertBlobParts(blobParts, "Failed to construct 'Blob'");
    const { endings, type } = convertBlobOptions(options, "Failed to construct 'Blob'");
    blobs.set(this, { bytes: processBlobParts(parts, endings), type });
  }
  get size(): number {
    return bs(this).bytes.byteLength;
  }
  get type(): string {
    return bs(this).type;
  }
  /** https://w3c.github.io/FileAPI/#dfn-slice */
  slice(start: unknown = undefined, end: unknown = undefined, contentType: unknown = undefined): Blob {
    const s = bs(this);
    const size = s.bytes.byteLength;
    const rel = (v: unknown, dflt: number): number => {
      if (v === undefined) return dflt;
      const n = toLongLong(v);
      return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
    };
    const from = rel(start, 0);
    const to = rel(end, size);
    const span = Math.max(to - from, 0);
    const type = contentType === undefined ? '' : normalizeType(toDOMString(contentType));
    return makeBlob(s.bytes.subarray(from, from + span), type);
  }
  /** A byte stream over the Blob's bytes, 64 KiB at a time (copies: byte streams transfer chunks). */
  stream(): ReadableStream<Uint8Array> {
    return blobStream(bs(this).bytes);
  }
  text(): Promise<string> {
    try {
      return Promise.resolve(utf8DecodeAll(bs(this).bytes));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    try {
      return Promise.resolve(bs(this).bytes.slice().buffer as ArrayBuffer);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  bytes(): Promise<Uint8Array> {
    try {
      return Promise.resolve(bs(this).bytes.slice());
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
defineInterface(Blob, 'Blob');

const STREAM_CHUNK = 65536;
export function blobStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new (streams().ReadableStream)<Uint8Array>(bare<UnderlyingByteSource>({
    type: 'bytes',
    pull(controller: ReadableByteStreamController) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      const n = Math.min(STREAM_CHUNK, bytes.byteLength - offset);
      controller.enqueue(bytes.slice(offset, offset + n));
      offset += n;
      if (offset >= bytes.byteLength) controller.close();
    },
  }), strategy());
}

/** A Blob over `bytes` (kept, not copied: the caller hands them over). */
export function makeBlob(bytes: Uint8Array, type: string): Blob {
  internal = { bytes, type };
  return new Blob();
}

/** Subclasses (File) attach their Blob state through this. */
export function initBlob(self: object, bytes: Uint8Array, type: string): void {
  blobs.set(self, { bytes, type });
}

registerCloneable(Blob.prototype, (value) => makeBlob(bs(value).bytes, bs(value).type));
