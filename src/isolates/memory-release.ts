// Gives the memory of disposed isolates back to the OS.
//
// Disposing an isolate frees its memory in two steps that both stop short of the OS:
// 1. V8 keeps the isolate's pooled heap pages in a process-wide page pool and releases them 8 s
//    later, from a task on another isolate (V8's PagePool; seen as ~3,000 munmaps of 256 KiB
//    on Node's main thread 8 s after 500 isolates were disposed).
// 2. What V8 and isolated-vm malloc'd per isolate is freed, but glibc only returns the top of
//    its heaps on free(); the rest stays mapped. Measured with 1,000 evicted hello apps: RSS 1,476
//    MiB served, 528 MiB once V8's pool was released, 135 MiB after malloc_trim(0).
// So after isolates are disposed this waits out V8's delay, then calls malloc_trim(0) through
// the small addon in native/ (built by scripts/build.mjs when a C compiler is present). Without
// the addon, step 1 still happens and NANO works the same, with a higher floor.
import { createRequire } from 'node:module';

/** V8 releases a torn-down isolate's pooled pages this long after the teardown. */
const V8_PAGE_POOL_DELAY_MS = 8000;

export interface MemoryReleaseReport {
  readonly rssBeforeMiB: number;
  readonly rssAfterMiB: number;
  readonly ms: number;
}

interface Trimmer {
  trim(): boolean;
  setTrimThreshold(bytes: number): boolean;
}

let trimmer: Trimmer | null | undefined;
function loadTrimmer(): Trimmer | null {
  if (trimmer === undefined) {
    try {
      trimmer = createRequire(import.meta.url)('../../native/malloc-trim.node') as Trimmer;
    } catch {
      trimmer = null;
    }
  }
  return trimmer;
}

const state = {
  /** How long V8 holds pooled pages; the release runs an eighth of that later still. */
  poolDelayMs: V8_PAGE_POOL_DELAY_MS,
  enabled: process.env.NANO_MALLOC_TRIM !== '0',
  timer: null as NodeJS.Timeout | null,
  lastDisposeAt: 0,
  listeners: new Set<(r: MemoryReleaseReport) => void>(),
};

/** True when the malloc_trim addon is built and loads (glibc Linux with a C compiler at build). */
export function memoryReleaseAvailable(): boolean {
  return state.enabled && loadTrimmer() !== null;
}

/**
 * Free memory glibc keeps at the top of its heap instead of returning it (holdFreedHeap). 32 MiB
 * holds what a streaming body's buffers take between two garbage collections.
 */
export const FREED_HEAP_HOLD_BYTES = 32 << 20;

/**
 * Lets glibc keep up to `bytes` of freed memory mapped at the top of its heap (M_TRIM_THRESHOLD;
 * glibc's default is 128 KiB, raised only as large mmap'd blocks are freed). Streaming a body
 * allocates a buffer per socket read (Node's HTTP parser copies each body chunk into a new one) and
 * frees them in bulk when V8 collects: with the default, each bulk free shrank the heap (brk) and
 * the next reads faulted the pages back in, 5,000-6,000 page faults per 100 MiB echoed; with
 * 32-64 MiB held, about 150. Memory of disposed isolates is still returned: malloc_trim(0) ignores
 * the threshold. Returns false without the addon (non-glibc) or when releasing is disabled.
 */
export function holdFreedHeap(bytes = FREED_HEAP_HOLD_BYTES): boolean {
  if (!memoryReleaseAvailable()) return false;
  return loadTrimmer()?.setTrimThreshold(bytes) ?? false;
}

/**
 * Called whenever an isolate is disposed: arms one release for after V8's page-pool delay. A
 * burst of disposals (an eviction sweep) costs one release; a steady trickle about one per delay.
 */
export function noteIsolateDisposed(): void {
  state.lastDisposeAt = performance.now();
  if (state.timer !== null || !memoryReleaseAvailable()) return;
  arm();
}

/**
 * Called after idle isolates got their memory-reducing GC (AppInstance.compactIfIdle): what V8
 * freed goes the same way as a disposed isolate's memory. Measured: malloc_trim after compacting
 * 300 hello isolates returned another 22-27 KiB per isolate.
 */
export function noteIsolatesCompacted(): void {
  noteIsolateDisposed();
}

/** Arms the release for when V8 has released the pages of the latest disposal. */
function arm(): void {
  const due = state.lastDisposeAt + state.poolDelayMs * 1.125;
  state.timer = setTimeout(release, Math.max(0, due - performance.now()));
  state.timer.unref();
}

function release(): void {
  state.timer = null;
  const t = loadTrimmer();
  if (t === null) return;
  const before = process.memoryUsage.rss();
  const start = performance.now();
  t.trim();
  const report = { rssBeforeMiB: mib(before), rssAfterMiB: mib(process.memoryUsage.rss()), ms: Math.round((performance.now() - start) * 100) / 100 };
  for (const l of state.listeners) l(report);
  // Isolates disposed too recently still have pages in V8's pool: one more release for them.
  if (performance.now() - state.lastDisposeAt < state.poolDelayMs) arm();
}

/** Subscribes to release reports (the server logs them); returns the unsubscribe function. */
export function onMemoryRelease(listener: (r: MemoryReleaseReport) => void): () => void {
  state.listeners.add(listener);
  return () => state.listeners.delete(listener);
}

/**
 * Tests shorten V8's delay (`poolDelayMs`, default 8000); `enabled: false` turns releasing off
 * (so does NANO_MALLOC_TRIM=0 in the environment). Cancels a pending release.
 */
export function configureMemoryRelease(opts: { poolDelayMs?: number; enabled?: boolean }): void {
  if (opts.poolDelayMs !== undefined) state.poolDelayMs = opts.poolDelayMs;
  if (opts.enabled !== undefined) state.enabled = opts.enabled;
  if (state.timer !== null) clearTimeout(state.timer);
  state.timer = null;
}

function mib(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}
