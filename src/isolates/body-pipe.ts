// Bodies the host sends on by itself, without them entering the isolate: a request's own body
// and a subrequest's response body, each returned unread as a response body (passBody in
// src/protocol/bridge.ts). Both keep backpressure: the source is read only while the client keeps up.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PipedDownload } from '../host-calls/fetch.js';
import { cutAfterFlush } from './http-reply.js';

export interface PipeEvents {
  /** The response is over already (the client left): a failure after that is not news. */
  readonly finished: () => boolean;
  /** The body was sent in full and the response ended. */
  readonly done: () => void;
  /** The body could not be sent in full: the response was cut (its status was already sent). */
  readonly cut: (why: string, detail: Record<string, unknown>) => void;
}

/** Pipes `req`'s body into `res`, cutting the response once `tooLarge` says the bytes so far are over the app's limit. */
export function pipeRequestBody(req: IncomingMessage, res: ServerResponse, tooLarge: (bytes: number) => boolean, events: PipeEvents): void {
  let bytes = 0;
  const onData = (chunk: Buffer): void => {
    bytes += chunk.byteLength;
    if (tooLarge(bytes)) {
      detach();
      req.resume();
      res.destroy();
      events.cut('request body over the size limit while piped to a response; the response is cut', { bytes });
      return;
    }
    if (!res.write(chunk)) req.pause();
  };
  const onDrain = (): void => {
    req.resume();
  };
  const onEnd = (): void => {
    detach();
    res.end(events.done);
  };
  const onAbort = (): void => {
    detach();
    res.destroy();
    if (!events.finished()) events.cut('request body aborted while piped to a response; the response is cut', {});
  };
  const detach = (): void => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onAbort);
    req.off('aborted', onAbort);
    res.off('drain', onDrain);
  };
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('error', onAbort);
  req.once('aborted', onAbort);
  res.on('drain', onDrain);
  if (req.readableEnded) onEnd();
}

/** Pipes a subrequest's response body into `res`; an upstream failure cuts the response. */
export function pipeDownload(download: PipedDownload, res: ServerResponse, events: PipeEvents): void {
  const writable = (): Promise<void> =>
    new Promise((resolve) => {
      const go = (): void => {
        res.off('drain', go);
        res.off('close', go);
        resolve();
      };
      res.on('drain', go);
      res.on('close', go);
    });
  const run = async (): Promise<void> => {
    for (;;) {
      const chunks = await download.next();
      if (events.finished()) return;
      if (chunks === null) break;
      let room = true;
      for (const c of chunks) room = res.write(c) && room;
      if (!room) await writable();
    }
    res.end(events.done);
  };
  run().catch((err: unknown) => {
    // After the client left, the cancelled read rejects: nothing to report.
    if (events.finished()) return;
    cutAfterFlush(res);
    events.cut('subrequest body failed while piped to a response; the response is cut', { err: err instanceof Error ? err.message : String(err) });
  });
}
