// Whether an app's isolate gets its one memory-reducing GC (RuntimeIsolate.reduceMemory) once the
// app is idle: the garbage its start-up and first requests left, for the many rarely used apps.
import type { RuntimeIsolate } from './runtime-isolate.js';
import type { AppActivity } from './app-activity.js';

/**
 * How long an app must go without requests before its isolate is compacted. Short, so that a
 * thousand apps each served once are compacted while they are being served (the server arms a
 * pass this long after each request: Server.#armCompaction); long enough that a request arriving
 * back to back with the previous one (a page and its assets) does not wait for the GC. What it
 * saves and costs is measured on the docs' performance page ("Idle compaction").
 */
export const IDLE_COMPACT_MS = 100;
/** How many isolates the server compacts at once (Server.#compactIdle). */
export const COMPACT_CONCURRENCY = 8;
/**
 * Only isolates that served fewer requests than this are compacted, once. A memory-reducing GC
 * also drops a hot app's optimized code, which a busy app would then have to optimize again.
 */
export const COMPACT_MAX_REQUESTS = 50;

/** One app version's compaction state, for its current isolate. */
export class IdleCompaction {
  /** Requests the current isolate has served (counted by AppInstance.handle). */
  requests = 0;
  #done = false;

  /** A new isolate, which the requests that waited for it (`starting`) are counted against. */
  isolateCreated(starting: number): void {
    this.requests = starting;
    this.#done = false;
  }

  /** Whether `iso` is to get its memory-reducing GC once idle. */
  awaits(iso: RuntimeIsolate | null): iso is RuntimeIsolate {
    return iso !== null && !this.#done && this.requests < COMPACT_MAX_REQUESTS && iso.canReduceMemory && !iso.disposed;
  }

  /** Compacts `iso` if it awaits it and the app has been idle long enough; null when nothing was done. */
  compact(iso: RuntimeIsolate | null, activity: AppActivity, now: number, done: () => void): Promise<void> | null {
    if (!this.awaits(iso) || !activity.idleFor(now, IDLE_COMPACT_MS)) return null;
    this.#done = true;
    return iso.reduceMemory().then(done, () => undefined);
  }
}
