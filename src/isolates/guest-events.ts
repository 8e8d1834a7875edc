// What an app's guest reports about its requests, and what the host does with it: a response
// (call('respond') or the outbox), an uncaught exception in a handler (logged; passed through to
// the app's origin when it asked for that), and the signals of its body streams and waitUntil work.
import { Entry, Signal, type SignalName } from '../protocol/bridge.js';
import { MAX_GUEST_MESSAGE } from '../protocol/limits.js';
import type { Logger } from '../observability/logger.js';
import type { Hooks } from '../observability/hooks.js';
import { feedRequestBody } from './request-body.js';
import type { LimitEnforcer } from './limit-enforcer.js';
import type { AppActivity } from './app-activity.js';
import type { GuestHandlers } from './app-isolate.js';
import type { AppSettings } from './app-settings.js';
import type { AppCode } from './app-code.js';
import type { ResponseStreams } from './response-stream.js';
import type { RequestEnds } from './in-flight.js';

export class GuestEvents implements GuestHandlers {
  readonly #settings: AppSettings;
  readonly #code: AppCode;
  /** Keeps the app's last error (AppIsolate.lastError). */
  readonly #noteError: (message: string) => void;
  readonly #limits: LimitEnforcer;
  readonly #activity: AppActivity;
  readonly #responses: ResponseStreams;
  readonly #ends: RequestEnds;
  readonly #log: Logger;
  readonly #hooks: Hooks;

  constructor(settings: AppSettings, code: AppCode, noteError: (message: string) => void, limits: LimitEnforcer, activity: AppActivity, responses: ResponseStreams, ends: RequestEnds, log: Logger, hooks: Hooks) {
    this.#settings = settings;
    this.#code = code;
    this.#noteError = noteError;
    this.#limits = limits;
    this.#activity = activity;
    this.#responses = responses;
    this.#ends = ends;
    this.#log = log;
    this.#hooks = hooks;
  }

  /** The guest's response to request `id` (decoded by protocol/wire.ts): the app is healthy, the response starts. */
  respond(id: number, status: number, statusText: string, joinedHeaders: string, body: string | Uint8Array | null, bodyStream: number): void {
    const f = this.#activity.inflight.get(id);
    if (f === undefined || f.responded) return;
    f.responded = true;
    this.#limits.succeeded();
    this.#responses.start(f, status, statusText, joinedHeaders, body, bodyStream);
  }

  /** The app's handler threw for request `id`: 500, or the request passed through to the origin. */
  respondError(requestId: unknown, error: unknown, errorStack: unknown, pass: unknown): void {
    const id = Number(requestId);
    const f = this.#activity.inflight.get(id);
    if (f === undefined) return;
    const message = guestText(error);
    const stack = guestText(errorStack);
    const passThrough = pass === 1;
    this.#noteError(message);
    this.#log.error({ reqId: id, stack: this.#code.mapStack?.(stack) ?? stack }, `uncaught exception in handler: ${message}`);
    // Falling through needs an origin, a response not started and a request body the app left unread.
    const origin = this.#settings.origin;
    if (passThrough && origin !== undefined && !f.res.headersSent && f.bodyBytes === 0 && !f.bodyPiped && f.pipe === null) {
      f.responded = true;
      f.head = null;
      if (!f.isolate.disposed) f.isolate.enter(Entry.requestAbort, f.id, 'passed through to the origin', f.id, 100).catch(() => {});
      origin.forward(origin.url, f.req, f.res, (status) => this.#hooks.responseStart(this.#settings.name, status));
      this.#ends.complete(f);
    } else if (passThrough) {
      this.#ends.finishWithError(f, 'NANO_ERR_NO_ORIGIN', origin === undefined ? 'the app passed the request through (passThroughOnException() and then an exception, or no respondWith()), but no origin is configured to pass it to' : 'the app passed the request through to its origin after reading part of the request body, which cannot be sent on');
    } else this.#ends.finishWithError(f, 'NANO_ERR_APP_EXCEPTION', 'the app failed to handle the request');
  }

  signal(name: SignalName, origin: number, args: unknown[]): void {
    switch (name) {
      case Signal.bodyReady:
        this.#responses.bodyReady(Number(args[0]));
        return;
      case Signal.bodyPull: {
        // The body stream id is its request's id (whichever request's turn reads it). Reading
        // starts after the entry that asked: if that entry returns the body untouched as its
        // response (passBody), no byte has been taken from the socket yet.
        const id = Number(args[0]);
        const cancel = args[1] === true;
        queueMicrotask(() => {
          const f = this.#activity.inflight.get(id);
          if (f !== undefined) feedRequestBody(f, cancel, this.#limits, this.#ends);
        });
        return;
      }
      case Signal.waitUntil:
        this.#activity.countWaitUntil(Number(args[0]), Number(args[1]) > 0);
        return;
      case Signal.uncaught:
        // args: request id (0: none), message, stack (src/protocol/bridge.ts).
        this.#log.error({ reqId: Number(args[0]) || origin, stack: this.#code.mapStack?.(guestText(args[2])) ?? guestText(args[2]) }, `uncaught error: ${guestText(args[1])}`);
        return;
      case Signal.entryFailed:
        this.#ends.entryFailed(origin, args[0]);
        return;
    }
  }
}

/** A guest string for the log: strings only, bounded (anything else is named by its type). */
function guestText(v: unknown): string {
  return typeof v === 'string' ? v.slice(0, MAX_GUEST_MESSAGE) : `(${typeof v})`;
}
