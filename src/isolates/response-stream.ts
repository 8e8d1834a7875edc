// Writes an app's response to its client: the head (framed by http-reply.ts, held for a streaming
// body until its first bytes), a body known in full, a body the host pipes itself (passBody), or a
// body stream taken from the guest batch by batch and, once bulky, through a shared window.
import { Entry, MAX_TAKE_BYTES, HEADER_SEP } from '../protocol/bridge.js';
import { decodeWireChunks } from '../protocol/wire.js';
import { decodeWindowTake } from '../protocol/window-take.js';
import type { Logger } from '../observability/logger.js';
import type { Hooks } from '../observability/hooks.js';
import { StreamWindow, WINDOW_AFTER_BYTES } from './stream-window.js';
import { cutAfterFlush, frameResponseHeaders } from './http-reply.js';
import { pipeRequestBody, pipeDownload, type PipeEvents } from './body-pipe.js';
import type { InFlight, RequestEnds } from './in-flight.js';
import type { LimitEnforcer } from './limit-enforcer.js';

export class ResponseStreams {
  readonly #app: string;
  readonly #limits: LimitEnforcer;
  readonly #inflight: ReadonlyMap<number, InFlight>;
  readonly #ends: RequestEnds;
  readonly #log: Logger;
  readonly #hooks: Hooks;
  /** In-flight requests by the id of their streaming response body. */
  readonly #streams = new Map<number, InFlight>();

  constructor(app: string, limits: LimitEnforcer, inflight: ReadonlyMap<number, InFlight>, ends: RequestEnds, log: Logger, hooks: Hooks) {
    this.#app = app;
    this.#limits = limits;
    this.#inflight = inflight;
    this.#ends = ends;
    this.#log = log;
    this.#hooks = hooks;
  }

  /** The request is over: its body stream (if any) gets no more takes. */
  forget(f: InFlight): void {
    this.#streams.delete(f.streamId);
  }

  /**
   * The guest's response for `f` (`call('respond')` or the outbox): frames its headers and sends
   * it, or starts taking its body stream (bodyStream > 0) or piping a reserved body (-1).
   */
  start(f: InFlight, status: number, statusText: string, joinedHeaders: string, body: string | Uint8Array | null, bodyStream: number): void {
    const res = f.res;
    const chunk = body === null ? null : typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const length = chunk === null ? (bodyStream === 0 ? null : 'stream') : typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    const headers = frameResponseHeaders(joinedHeaders === '' ? [] : joinedHeaders.split(HEADER_SEP), status, f.req.method === 'HEAD', length);
    f.head = { status, statusText, headers };
    if (bodyStream <= 0 && !this.#sendHead(f)) return;
    this.#hooks.responseStart(this.#app, status);
    if (bodyStream === 0) {
      if (chunk !== null) res.end(chunk);
      else res.end();
      this.#ends.complete(f);
      return;
    }
    if (bodyStream < 0) {
      const pipe = f.pipe;
      if (pipe?.kind === 'request') pipeRequestBody(pipe.source.req, res, (bytes) => this.#limits.bodyTooLarge(bytes), this.#pipeEvents(f, pipe.source.id));
      else if (pipe?.kind === 'fetch') pipeDownload(pipe.download, res, this.#pipeEvents(f, f.id));
      else this.#ends.finishWithError(f, 'NANO_ERR_INTERNAL', 'internal error');
      return;
    }
    f.streamId = bodyStream;
    this.#streams.set(f.streamId, f);
    res.on('drain', () => this.#take(f));
  }

  /** Signal.bodyReady: the stream has bytes (or ended). By stream id: the turn that produced them may be another request's. */
  bodyReady(streamId: number): void {
    const f = this.#streams.get(streamId);
    if (f !== undefined && f.streamId === streamId) {
      f.streamReady = true;
      this.#take(f);
    }
  }

  /** Writes a streaming response's held head (before its first bytes); false when Node refused it. */
  #sendHead(f: InFlight): boolean {
    const head = f.head;
    if (head === null) return true;
    f.head = null;
    try {
      f.res.writeHead(head.status, head.statusText === '' ? undefined : head.statusText, head.headers);
      return true;
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'app returned headers Node cannot send');
      this.#ends.finishWithError(f, 'NANO_ERR_APP_BAD_RESPONSE', 'the response headers are invalid');
      return false;
    }
  }

  /**
   * `call('passBody', id, kind, source)`: the guest returns, as request `id`'s response body, a
   * body it has not read: request `source`'s own body (kind "request") or the response body of
   * its subrequest `source` (kind "fetch"). The host takes it over (and answers true) only while
   * none of it has entered the isolate; then the guest responds with bodyStream -1.
   */
  reservePipe(id: number, kind: string, sourceId: number): boolean {
    const f = this.#inflight.get(id);
    if (f === undefined || f.finished || f.responded || f.pipe !== null) return false;
    if (kind === 'request') {
      const source = this.#inflight.get(sourceId);
      if (source === undefined || source.finished || !source.bodyOpen || source.bodyPiped || source.bodyBytes > 0) return false;
      source.bodyPiped = true;
      source.bodyOpen = false;
      f.pipe = { kind: 'request', source };
      return true;
    }
    if (kind === 'fetch') {
      const download = f.isolate.takeDownload(sourceId);
      if (download === null) return false;
      f.pipe = { kind: 'fetch', download };
      return true;
    }
    return false;
  }

  /** Callbacks of a piped body (body-pipe.ts) for response `to`, whose source is request `sourceId`. */
  #pipeEvents(to: InFlight, sourceId: number): PipeEvents {
    return {
      finished: () => to.finished,
      done: () => this.#ends.complete(to),
      cut: (why, detail) => {
        this.#log.warn({ reqId: sourceId, ...detail }, why);
        this.#ends.complete(to);
      },
    };
  }

  /**
   * Moves one batch of response body bytes from the guest to the socket, with backpressure: a
   * take starts only while the socket holds less than a batch, so the guest produces the next
   * batch while the kernel sends the last one.
   */
  #take(f: InFlight): void {
    if (f.taking || !f.streamReady || f.finished) return;
    if (f.res.destroyed) return this.#ends.clientGone(f);
    if (f.res.writableLength >= MAX_TAKE_BYTES) return;
    const w = f.window;
    if (w !== null) {
      const space = w.space();
      if (space !== null) this.#takeInto(f, w, space.offset, space.max);
      return;
    }
    const ends = this.#ends;
    f.taking = true;
    f.streamReady = false;
    f.isolate.enter(Entry.bodyTake, f.streamId, MAX_TAKE_BYTES, f.id, ends.entryTimeout(f.id)).then(
      (result) => {
        f.taking = false;
        if (f.finished) return;
        const r = decodeWireChunks(result);
        if (r === null) return ends.violation(f.id, 'a response body batch that is not a list of byte arrays');
        if (!this.#sendHead(f)) return;
        for (const c of r.chunks) f.res.write(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
        f.tookBytes += r.bytes;
        if (r.error !== null || r.done) return this.#endStream(f, r.error);
        if (f.tookBytes >= WINDOW_AFTER_BYTES) {
          // A bulk stream: from now on its bytes cross through a shared window (entries into one
          // isolate run in order, so the guest has the window before the next take).
          f.window = new StreamWindow();
          f.isolate.enter(Entry.bodyWindow, f.streamId, f.window.sab, f.id, 100).catch((err: unknown) => ends.entryFailed(f.id, err));
        }
        this.#take(f);
      },
      (err: unknown) => {
        f.taking = false;
        ends.entryFailed(f.id, err);
      },
    ).catch((err: unknown) => ends.hostFault(f.id, err));
  }

  #takeInto(f: InFlight, w: StreamWindow, offset: number, max: number): void {
    const ends = this.#ends;
    f.taking = true;
    f.streamReady = false;
    f.isolate.takeInto(f.streamId, offset, max, f.id, ends.entryTimeout(f.id)).then(
      (r) => {
        f.taking = false;
        if (f.finished) return;
        const took = decodeWindowTake(r, max);
        if (took === null) return ends.violation(f.id, `a window take of ${typeof r === 'number' ? r : typeof r} bytes (offered ${max})`);
        const { n, ended, error } = took;
        if (!this.#sendHead(f)) return;
        f.tookBytes += n;
        if (n > 0) {
          f.res.write(w.commit(offset, n), (err) => {
            w.release();
            if (err != null) ends.clientGone(f);
            else this.#take(f);
          });
        }
        if (ended) return this.#endStream(f, error);
        this.#take(f);
      },
      (err: unknown) => {
        f.taking = false;
        ends.entryFailed(f.id, err);
      },
    ).catch((err: unknown) => ends.hostFault(f.id, err));
  }

  /** The response body stream ended: cleanly (`error` null) or failed after what was written. */
  #endStream(f: InFlight, error: string | null): void {
    if (!this.#sendHead(f)) return;
    if (error !== null) {
      this.#log.error({ reqId: f.id, err: error }, 'response body stream failed; closing the connection');
      cutAfterFlush(f.res);
    } else f.res.end();
    this.#ends.complete(f);
  }
}

