// The zlib.* async ops behind the guest's CompressionStream and DecompressionStream: one Node zlib
// stream per guest stream, per isolate. Output waits on the host until the guest reads it, and
// zlib is paused while MAX_BUFFERED bytes wait, so a decompression bomb cannot fill host memory.
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { OpError, type AsyncOp, type OpContext } from './ops.js';
import { reportLimit } from './limit-report.js';
import type { ZLIB_OPS } from '../protocol/host-api.js';

const TRAILING = 'trailing data after the end of the compressed stream';

/** Output bytes held per stream before zlib is paused (and the guest's writes wait). */
export const MAX_BUFFERED = 1 << 20;
/** Open (de)compression streams per isolate; past it the app gets a TypeError. */
export const MAX_STREAMS = 64;
/**
 * Output bytes held for all of an isolate's streams together. Past it a stream that holds at
 * least PAUSE_FLOOR bytes itself is paused too, so the isolate's streams hold at most about
 * MAX_APP_BUFFERED + MAX_STREAMS × PAUSE_FLOOR; a stream holding less keeps going, so a reader
 * waiting on it never waits for another stream to be read.
 */
export const MAX_APP_BUFFERED = 8 << 20;
export const PAUSE_FLOOR = 64 << 10;

const FORMATS = new Set(['gzip', 'deflate', 'deflate-raw', 'brotli']);

/**
 * Brotli quality for CompressionStream('brotli'). Node's default (11) costs ~10x the CPU of gzip
 * on libuv's threads, which every app shares; 5 is the usual choice for on-the-fly compression
 * and still compresses better than gzip's default.
 */
const BROTLI_QUALITY = 5;

/** Node's (de)compressor for a Compression Streams format; brotli is Node's own brotli binding. */
function create(format: string, mode: string): Transform {
  if (mode === 'compress') {
    if (format === 'brotli') return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } });
    return format === 'gzip' ? zlib.createGzip() : format === 'deflate' ? zlib.createDeflate() : zlib.createDeflateRaw();
  }
  if (format === 'brotli') return zlib.createBrotliDecompress();
  return format === 'gzip' ? zlib.createGunzip() : format === 'deflate' ? zlib.createInflate() : zlib.createInflateRaw();
}

/** One guest stream's zlib state: buffered output, the one waiting read, the error if any. */
class ZStream {
  readonly #z: Transform;
  readonly #decompress: boolean;
  readonly #format: string;
  readonly #table: ZTable;
  #paused = false;
  #out: Buffer[] = [];
  #outBytes = 0;
  #inBytes = 0;
  #ended = false;
  #finished = false;
  #endCalled = false;
  #doneRead = false;
  #error: string | null = null;
  /**
   * The error is bytes past the end of the compressed data: the spec enqueues the output of the
   * chunk before throwing, so reads deliver what is buffered first and writes still go through.
   */
  #errorAfterOutput = false;
  /** Pending reads, ends and writes, woken on output, end, finish or error. */
  #wakers: (() => void)[] = [];

  constructor(format: string, mode: string, table: ZTable) {
    this.#format = format;
    this.#table = table;
    this.#decompress = mode === 'decompress';
    const z = create(format, mode);
    this.#z = z;
    z.on('data', (chunk: Buffer) => {
      this.#out.push(chunk);
      this.#outBytes += chunk.byteLength;
      this.#table.buffered += chunk.byteLength;
      if (this.#outBytes >= MAX_BUFFERED || (this.#table.buffered >= MAX_APP_BUFFERED && this.#outBytes >= PAUSE_FLOOR)) {
        this.#paused = true;
        z.pause();
      }
      this.#wake();
    });
    z.on('end', () => {
      this.#ended = true;
      // Decompression stops at the end of the compressed data; bytes past it are an error (spec),
      // raised after the output decoded before them.
      if (this.#decompress && (z as unknown as { bytesWritten: number }).bytesWritten < this.#inBytes) this.#fail(TRAILING, true);
      this.#wake();
    });
    z.on('finish', () => {
      this.#finished = true;
      this.#wake();
    });
    z.on('error', (err: Error) => this.#fail(err.message));
  }

  #fail(message: string, afterOutput = false): void {
    if (this.#error !== null) return;
    this.#error = this.#decompress ? `The ${this.#format} data is invalid: ${message}` : `Compression failed: ${message}`;
    this.#errorAfterOutput = afterOutput;
    this.#z.destroy();
    this.#wake();
  }

  #wake(): void {
    const w = this.#wakers;
    this.#wakers = [];
    for (const fn of w) fn();
  }
  #wait(): Promise<void> {
    return new Promise((resolve) => this.#wakers.push(resolve));
  }
  #check(): void {
    if (this.#error !== null) throw new OpError('TypeError', this.#error);
  }
  /** For writes: an error that waits behind the output does not fail the write that caused it. */
  #checkWrite(): void {
    if (!this.#errorAfterOutput) this.#check();
  }

  /** Resolves once zlib has taken the input (it waits while unread output fills the buffer). */
  async write(bytes: Uint8Array): Promise<void> {
    this.#check();
    if (this.#ended || this.#finished) {
      this.#fail(TRAILING);
      this.#check();
    }
    this.#inBytes += bytes.byteLength;
    let written = false;
    this.#z.write(bytes, () => {
      written = true;
      this.#wake();
    });
    while (!written && !this.#ended) {
      this.#checkWrite();
      await this.#wait();
    }
    this.#checkWrite();
  }

  /**
   * Ends the input; resolves once zlib has processed all of it. Decompression waits for the end
   * of the output too, since a truncated input only fails at that point (zlib reports it after
   * 'finish') — unless unread output has paused zlib, where waiting could never end.
   */
  async end(): Promise<void> {
    this.#check();
    this.#endCalled = true;
    if (!this.#finished && !this.#ended) this.#z.end();
    const settled = (): boolean => this.#ended || (this.#finished && (!this.#decompress || this.#paused));
    while (!settled()) {
      this.#check();
      await this.#wait();
    }
    this.#check();
  }

  /** Up to MAX_BUFFERED bytes of output as one array, waiting until there is some or the end. */
  async read(): Promise<{ chunks: Uint8Array[]; done: boolean }> {
    for (;;) {
      if (!(this.#errorAfterOutput && this.#out.length > 0)) this.#check();
      if (this.#out.length > 0) {
        const bytes = new Uint8Array(this.#outBytes);
        let off = 0;
        for (const c of this.#out) {
          bytes.set(c, off);
          off += c.byteLength;
        }
        this.#out = [];
        this.#table.buffered -= this.#outBytes;
        this.#outBytes = 0;
        this.#paused = false;
        if (!this.#ended && this.#error === null) this.#z.resume();
        return { chunks: [bytes], done: false };
      }
      if (this.#ended) {
        this.#doneRead = true;
        return { chunks: [], done: true };
      }
      await this.#wait();
    }
  }

  /** Nothing more can happen: failed, or the input ended and all output was read. */
  get spent(): boolean {
    return this.#error !== null || (this.#endCalled && this.#doneRead);
  }

  close(): void {
    this.#table.buffered -= this.#outBytes;
    this.#outBytes = 0;
    this.#out = [];
    if (this.#error === null) this.#error = 'The stream was closed';
    this.#z.destroy();
    this.#wake();
  }
}

/** The isolate's open streams; `dispose` runs when the isolate is disposed. */
class ZTable {
  readonly streams = new Map<number, ZStream>();
  /** Output bytes all streams hold now. */
  buffered = 0;
  dispose(): void {
    for (const z of this.streams.values()) z.close();
    this.streams.clear();
  }
}
const STATE = Symbol('zlib streams');
function table(ctx: OpContext): ZTable {
  let t = ctx.isolateState.get(STATE) as ZTable | undefined;
  if (t === undefined) {
    t = new ZTable();
    ctx.isolateState.set(STATE, t);
  }
  return t;
}
function stream(ctx: OpContext, id: unknown): ZStream {
  const z = typeof id === 'number' ? table(ctx).streams.get(id) : undefined;
  if (z === undefined) throw new OpError('TypeError', 'The compression stream is closed');
  return z;
}

const zlibOpen: AsyncOp = (args, ctx) => {
  const [id, format, mode] = args;
  if (typeof id !== 'number' || typeof format !== 'string' || !FORMATS.has(format) || (mode !== 'compress' && mode !== 'decompress')) {
    return Promise.reject(new OpError('TypeError', 'Unsupported compression format'));
  }
  const t = table(ctx);
  if (t.streams.has(id)) return Promise.reject(new OpError('TypeError', 'The compression stream is already open'));
  if (t.streams.size >= MAX_STREAMS) {
    const message = `Too many open compression streams in this app (limit ${MAX_STREAMS}); close or read the ones in use`;
    reportLimit(ctx.appName, 'zlib.streams', message);
    return Promise.reject(new OpError('TypeError', message));
  }
  t.streams.set(id, new ZStream(format, mode, t));
  return Promise.resolve(null);
};

/** Runs one op on a stream and forgets the stream once it is spent. */
async function withStream<T>(ctx: OpContext, id: unknown, fn: (z: ZStream) => Promise<T>): Promise<T> {
  const z = stream(ctx, id);
  try {
    return await fn(z);
  } finally {
    if (z.spent) {
      table(ctx).streams.delete(id as number);
      // Gives back what a failed stream still held to the isolate's total.
      z.close();
    }
  }
}

const zlibWrite: AsyncOp = (args, ctx) => {
  const [id, bytes] = args;
  if (!(bytes instanceof Uint8Array)) return Promise.reject(new OpError('TypeError', 'The chunk is not a BufferSource'));
  return withStream(ctx, id, (z) => z.write(bytes)).then(() => null);
};
const zlibEnd: AsyncOp = (args, ctx) => withStream(ctx, args[0], (z) => z.end()).then(() => null);
const zlibRead: AsyncOp = (args, ctx) => withStream(ctx, args[0], (z) => z.read());

const zlibClose: AsyncOp = (args, ctx) => {
  const id = args[0];
  const t = table(ctx);
  const z = typeof id === 'number' ? t.streams.get(id) : undefined;
  if (z !== undefined) {
    t.streams.delete(id as number);
    z.close();
  }
  return Promise.resolve(null);
};

/** The compression ops, by name (registered in registry.ts). */
export const ZLIB_HANDLERS: Readonly<Record<(typeof ZLIB_OPS)[number], AsyncOp>> = { zlibOpen, zlibWrite, zlibEnd, zlibRead, zlibClose };
