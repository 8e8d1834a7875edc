// CompressionStream and DecompressionStream (https://compression.spec.whatwg.org/). The bytes are
// (de)compressed by the host's zlib through the async ops of src/host-calls/compression.ts. The
// readable side pulls output from the host only when read, and the host stops feeding zlib while
// ~1 MiB of output waits unread, so a decompression bomb stays bounded instead of filling memory.
import { defineInterface, requiredArguments, toEnum } from '../core/webidl.js';
import { hostOp } from '../core/host.js';
import { bare, strategy } from './stream-internals.js';
import type { UnderlyingSource, UnderlyingSink } from 'web-streams-polyfill';
import { streams, type ReadableStream, type WritableStream, type ReadableStreamDefaultController, type WritableStreamDefaultController } from './streams.js';

const FORMATS = ['deflate', 'deflate-raw', 'gzip', 'brotli'] as const;
type Format = (typeof FORMATS)[number];

interface Pair {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<unknown>;
}
// One brand per interface: CompressionStream's getters refuse a DecompressionStream.
const compressors = new WeakMap<object, Pair>();
const decompressors = new WeakMap<object, Pair>();
function pair(map: WeakMap<object, Pair>, self: unknown): Pair {
  const p = map.get(self as object);
  if (p === undefined) throw new TypeError('Illegal invocation');
  return p;
}

let nextId = 1;
const toTypeError = (message: string): TypeError => new TypeError(message);

/** The chunk as bytes the host can take: a BufferSource, not shared memory (spec step 1 of "compress"). */
function chunkBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk.slice(0));
  if (ArrayBuffer.isView(chunk) && !(typeof SharedArrayBuffer !== 'undefined' && chunk.buffer instanceof SharedArrayBuffer)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice();
  }
  throw new TypeError('The chunk is not a BufferSource');
}

/**
 * Builds the readable/writable pair over one host zlib stream. It behaves as the spec's
 * TransformStream does: closing the writable ends the output, cancelling the readable errors the
 * writable, aborting the writable errors the readable, and a zlib error errors both sides.
 */
function makePair(format: Format, mode: 'compress' | 'decompress'): Pair {
  const id = nextId++;
  let opened: Promise<unknown> | null = null;
  const open = (): Promise<unknown> => (opened ??= hostOp('zlibOpen', [id, format, mode], toTypeError));
  let readCtl: ReadableStreamDefaultController<Uint8Array> | null = null;
  let writeCtl: WritableStreamDefaultController | null = null;
  let closed = false;
  const fail = (err: unknown): void => {
    if (closed) return;
    closed = true;
    try {
      readCtl?.error(err);
    } catch {
      // already closed or errored
    }
    try {
      writeCtl?.error(err);
    } catch {
      // already closed or errored
    }
    void hostOp('zlibClose', [id]).catch(() => {});
  };
  const readable = new (streams().ReadableStream)<Uint8Array>(
    bare<UnderlyingSource<Uint8Array>>({
      start(c: ReadableStreamDefaultController<Uint8Array>) {
        readCtl = c;
      },
      async pull(c: ReadableStreamDefaultController<Uint8Array>) {
        try {
          await open();
          const r = await hostOp<{ chunks: Uint8Array[]; done: boolean }>('zlibRead', [id], toTypeError);
          for (const chunk of r.chunks) c.enqueue(chunk);
          if (r.done) {
            closed = true;
            c.close();
          }
        } catch (err) {
          fail(err);
          throw err;
        }
      },
      cancel(reason: unknown) {
        fail(reason);
      },
    }),
    strategy(0),
  );
  const writable = new (streams().WritableStream)<unknown>(bare<UnderlyingSink<unknown>>({
    start(c: WritableStreamDefaultController) {
      writeCtl = c;
    },
    async write(chunk: unknown) {
      let bytes: Uint8Array;
      try {
        bytes = chunkBytes(chunk);
      } catch (err) {
        fail(err);
        throw err;
      }
      if (bytes.byteLength === 0) return;
      try {
        await open();
        await hostOp('zlibWrite', [id, bytes], toTypeError);
      } catch (err) {
        fail(err);
        throw err;
      }
    },
    async close() {
      try {
        await open();
        await hostOp('zlibEnd', [id], toTypeError);
      } catch (err) {
        fail(err);
        throw err;
      }
    },
    abort(reason: unknown) {
      fail(reason);
    },
  }), strategy());
  return { readable, writable };
}

export class CompressionStream {
  constructor(format: unknown) {
    requiredArguments(arguments.length, 1, "Failed to construct 'CompressionStream'");
    const f = toEnum(format, FORMATS, 'CompressionFormat', "Failed to construct 'CompressionStream'");
    compressors.set(this, makePair(f, 'compress'));
  }
  get readable(): ReadableStream<Uint8Array> {
    return pair(compressors, this).readable;
  }
  get writable(): WritableStream<unknown> {
    return pair(compressors, this).writable;
  }
}
defineInterface(CompressionStream, 'CompressionStream');

export class DecompressionStream {
  constructor(format: unknown) {
    requiredArguments(arguments.length, 1, "Failed to construct 'DecompressionStream'");
    const f = toEnum(format, FORMATS, 'CompressionFormat', "Failed to construct 'DecompressionStream'");
    decompressors.set(this, makePair(f, 'decompress'));
  }
  get readable(): ReadableStream<Uint8Array> {
    return pair(decompressors, this).readable;
  }
  get writable(): WritableStream<unknown> {
    return pair(decompressors, this).writable;
  }
}
defineInterface(DecompressionStream, 'DecompressionStream');
