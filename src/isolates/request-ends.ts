// How a request of an app ends: complete (answered, cut, or its client left), failed with NANO's
// own error, or (stopped at the main thread's slice) dispatched again in the app's next isolate.
// Each end frees what the request held: its row in the activity table, its body stream, the wall
// sweep when nothing is left in flight, the unread rest of its upload.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Entry } from '../protocol/bridge.js';
import { ERRORS, type ErrorCode } from '../errors/registry.js';
import type { Hooks } from '../observability/hooks.js';
import { sendError } from './http-reply.js';
import type { AppActivity } from './app-activity.js';
import type { AppIsolate } from './app-isolate.js';
import type { ResponseStreams } from './response-stream.js';
import type { WallSweep } from './wall-sweep.js';
import type { InFlight } from './in-flight.js';
import type { RuntimeIsolate } from './runtime-isolate.js';

/** Sends a request into an isolate (AppInstance's dispatch), for a retry. */
export type Redispatch = (req: IncomingMessage, res: ServerResponse, isolate: RuntimeIsolate) => void;

export class RequestEnder {
  readonly #name: string;
  readonly #app: AppIsolate;
  readonly #activity: AppActivity;
  readonly #wall: WallSweep;
  readonly #hooks: Hooks;
  readonly #responses: ResponseStreams;
  readonly #redispatch: Redispatch;

  constructor(name: string, app: AppIsolate, activity: AppActivity, responses: ResponseStreams, wall: WallSweep, hooks: Hooks, redispatch: Redispatch) {
    this.#name = name;
    this.#responses = responses;
    this.#app = app;
    this.#activity = activity;
    this.#wall = wall;
    this.#hooks = hooks;
    this.#redispatch = redispatch;
  }

  /** Answers with NANO's own error (`retryAfterS` adds Retry-After), or cuts the connection once headers went out. */
  finishWithError(f: InFlight, code: ErrorCode, message: string, retryAfterS?: number): void {
    if (f.finished) return;
    // The app's view: its request was aborted (request.signal), and the guest forgets it.
    if (!f.isolate.disposed) f.isolate.enter(Entry.requestAbort, f.id, message, f.id, 100).catch(() => {});
    if (!f.res.headersSent) {
      f.responded = true;
      f.head = null;
      sendError(f.res, code, message, false, retryAfterS);
      if (code === 'NANO_ERR_BODY_TOO_LARGE') f.req.resume();
      this.#hooks.responseStart(this.#name, ERRORS[code].status);
    } else {
      // Headers went out already: all we can do is cut the connection.
      f.res.destroy();
    }
    this.complete(f);
  }

  /** The exchange is over: the request is forgotten. */
  complete(f: InFlight): void {
    if (f.finished) return;
    f.finished = true;
    // A subrequest body piped (or reserved) for this response: stop it if it has not ended.
    if (f.pipe?.kind === 'fetch') f.pipe.download.cancel('the response ended');
    const activity = this.#activity;
    activity.ended(f.id);
    if (activity.inflight.size === 0) this.#wall.stop();
    this.#responses.forget(f);
    if (f.bodyOpen) {
      // Answered before reading the whole upload: the rest is discarded (the connection stays
      // usable) and a read still waiting in the guest ends with an error instead of hanging.
      f.bodyOpen = false;
      f.req.resume();
      if (!f.isolate.disposed) f.isolate.enter(Entry.bodyPush, f.id, 'the response finished before the request body was read; the rest was discarded', f.id, 100).catch(() => {});
    }
    this.#hooks.requestEnd(this.#name, f.cpuMs);
    activity.checkIdle();
  }

  /**
   * The client went away before the response finished (the response closed, or a write to it
   * failed): abort request.signal and cancel a streaming body in the guest. A failed write calls
   * this at once, so a body loop never keeps taking from the guest for a socket that is gone.
   */
  clientGone(f: InFlight): void {
    if (f.finished) return;
    const isolate = f.isolate;
    if (!isolate.disposed) {
      isolate.enter(Entry.requestAbort, f.id, 'The client disconnected', f.id, 100).catch(() => {});
      if (f.streamId !== 0) isolate.enter(Entry.bodyCancel, f.streamId, 'client disconnected', f.id, 100).catch(() => {});
    }
    this.complete(f);
  }

  /** Dispatches `f`'s request again in the app's next isolate (on the pool by then). */
  retry(f: InFlight): void {
    f.finished = true; // callbacks of the first dispatch, and its close listener, ignore it now
    const activity = this.#activity;
    activity.inflight.delete(f.id);
    this.#responses.forget(f);
    this.#hooks.requestEnd(this.#name, f.cpuMs);
    activity.starting++;
    this.#app.ensure().then(
      (isolate) => {
        activity.starting--;
        if (f.res.destroyed) return activity.checkIdle();
        this.#redispatch(f.req, f.res, isolate);
      },
      () => {
        activity.starting--;
        sendError(f.res, 'NANO_ERR_APP_LOAD', 'the app failed to load; see the server log', false);
        activity.checkIdle();
      },
    );
  }
}
