// What becomes of an app's isolate and its requests when an entry fails: a limit hit (CPU, the main
// thread's slice, memory), a broken wire contract or a host fault restarts the isolate, fails the
// culprit with its error and the other requests in that isolate with 503, and counts towards the
// crash-loop backoff (limit-enforcer.ts); a request stopped at the slice is retried when safe.
import { MAX_GUEST_MESSAGE } from '../protocol/limits.js';
import type { ErrorCode } from '../errors/registry.js';
import type { Logger } from '../observability/logger.js';
import type { Hooks } from '../observability/hooks.js';
import { EntryError, type RuntimeIsolate } from './runtime-isolate.js';
import { wallTimeoutMs } from './thread-share.js';
import { mainThreadSliceMs, type LimitEnforcer } from './limit-enforcer.js';
import type { AppIsolate } from './app-isolate.js';
import type { AppActivity } from './app-activity.js';
import type { AppSettings } from './app-settings.js';
import type { InFlight } from './in-flight.js';

/** How the policy ends a request: with NANO's error (`retryAfterS` adds Retry-After), or by running it again. */
export interface RequestFate {
  finishWithError(f: InFlight, code: ErrorCode, message: string, retryAfterS?: number): void;
  retry(f: InFlight): void;
}

export class RestartPolicy {
  readonly #settings: AppSettings;
  readonly #app: AppIsolate;
  readonly #limits: LimitEnforcer;
  readonly #activity: AppActivity;
  readonly #fate: RequestFate;
  readonly #log: Logger;
  readonly #hooks: Hooks;

  constructor(settings: AppSettings, app: AppIsolate, limits: LimitEnforcer, activity: AppActivity, fate: RequestFate, log: Logger, hooks: Hooks) {
    this.#settings = settings;
    this.#app = app;
    this.#limits = limits;
    this.#activity = activity;
    this.#fate = fate;
    this.#log = log;
    this.#hooks = hooks;
  }

  /**
   * An entry failed. The failure belongs to the isolate it ran in: one that was already replaced
   * (its late entries fail as "disposed") never restarts its successor.
   */
  entryFailed(origin: number, err: unknown): void {
    const e = err instanceof EntryError ? err : new EntryError('error', String(err));
    const f = this.#activity.inflight.get(origin);
    const iso = e.source ?? f?.isolate ?? null;
    const current = iso !== null && iso === this.#app.current;
    if (!current && e.failure !== 'error') {
      if (f !== undefined) this.#fate.finishWithError(f, 'NANO_ERR_ISOLATE_RESTARTED', 'the app restarted');
      return;
    }
    const s = this.#settings;
    switch (e.failure) {
      case 'timeout':
        if (e.mainThread && s.execution === 'auto' && (f === undefined || this.#limits.isSlice(f.cpuMs))) {
          const sliceMs = mainThreadSliceMs(f !== undefined && replayable(f));
          this.#app.moveToPool('an entry held the main thread past its slice', { sliceMs, wallMs: wallTimeoutMs(sliceMs, true) });
          this.restart(iso, 'mainThreadSlice', f, 'NANO_ERR_ISOLATE_RESTARTED', `the app ran more than ${sliceMs} ms at once on the shared thread and now runs on the thread pool; retry`);
        } else if (f !== undefined) this.restart(iso, 'cpu', f, 'NANO_ERR_CPU_LIMIT', `request used more than ${s.cpuMs} ms of CPU`);
        else this.restart(iso, 'backgroundCpu', f, 'NANO_ERR_CPU_LIMIT', `background work used more than ${s.cpuMs} ms of CPU`);
        return;
      case 'memory':
        this.restart(iso, 'memory', f, 'NANO_ERR_MEMORY_LIMIT', `isolate exceeded ${s.memoryMb} MiB`);
        return;
      case 'protocol':
        this.violation(origin, e.message);
        return;
      case 'disposed':
        if (f !== undefined) this.#fate.finishWithError(f, 'NANO_ERR_ISOLATE_RESTARTED', 'the app restarted');
        return;
      case 'error':
        // The runtime's entries catch app errors themselves: one that escapes means the runtime in
        // this isolate is broken (an app that replaced a built-in it relies on), so it restarts.
        this.#log.error({ err: e.message.slice(0, MAX_GUEST_MESSAGE) }, 'entry into isolate failed');
        if (current) this.restart(iso, 'runtime', f, 'NANO_ERR_APP_PROTOCOL', 'the runtime in the app\'s isolate failed');
        else if (f !== undefined) this.#fate.finishWithError(f, 'NANO_ERR_INTERNAL', 'internal error');
    }
  }

  /**
   * A host callback on this app's request path threw: a NANO bug, or a guest value no decoder
   * caught. It fails this request (and restarts this app's isolate), never the process.
   */
  hostFault(origin: number, err: unknown): void {
    this.#log.error({ reqId: origin, err: err instanceof Error ? err.stack : String(err) }, 'host error while serving a request of this app');
    const f = this.#activity.inflight.get(origin);
    this.restart(f?.isolate ?? this.#app.current, 'internal', f, 'NANO_ERR_INTERNAL', 'internal error');
  }

  /**
   * The guest broke the wire contract (a value of the wrong type or out of bounds: typically an
   * app that patched a built-in the runtime relies on). Nothing of the value is used; the request
   * fails with 502 and the app gets a fresh isolate, as for a limit.
   */
  violation(origin: number, what: string): void {
    const f = this.#activity.inflight.get(origin);
    this.restart(f?.isolate ?? this.#app.current, 'protocol', f, 'NANO_ERR_APP_PROTOCOL', `the app's isolate returned ${what}`);
  }

  /** Disposes the app's isolate: the culprit request gets `code`, others in it get 503 too. */
  restart(iso: RuntimeIsolate | null, reason: string, culprit: InFlight | undefined, code: ErrorCode, message: string): void {
    if (iso === null) return;
    const app = this.#app;
    const slice = reason === 'mainThreadSlice';
    if (app.drop(iso)) {
      app.restarts++;
      if (!slice) this.#limits.failed(Date.now());
      app.lastError = `${reason} limit: ${message}`;
      this.#hooks.restart(this.#settings.name, reason);
      this.#log.warn({ limit: reason, reqId: culprit?.id }, `limit exceeded (${message}); the app gets a fresh isolate`);
    }
    const fate = this.#fate;
    if (culprit !== undefined) {
      if (slice && replayable(culprit)) fate.retry(culprit);
      else fate.finishWithError(culprit, code, message, slice ? 0 : undefined);
    }
    for (const f of [...this.#activity.inflight.values()]) {
      if (f.isolate !== iso) continue;
      if (slice && replayable(f)) fate.retry(f);
      else fate.finishWithError(f, f === culprit ? code : 'NANO_ERR_ISOLATE_RESTARTED', 'the app restarted');
    }
    this.#activity.clearWaitUntil();
    this.#activity.checkIdle();
  }
}

/**
 * Whether a request stopped with its isolate may run again: a GET or HEAD without a body, with
 * nothing of its response sent, not retried before. Such requests are safe to repeat (RFC 9110
 * 9.2.1), so a healthy app whose turn a busy machine stretched past the slice loses nothing.
 */
export function replayable(f: InFlight): boolean {
  const m = f.req.method;
  return (m === 'GET' || m === 'HEAD') && !f.retried && !f.responded && !f.res.headersSent && !f.bodyOpen && f.bodyBytes === 0 && f.pipe === null;
}
