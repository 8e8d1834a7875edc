// How much of the time a thread that wants a core gets one. Every app limit on isolate time is CPU
// time, but isolated-vm times an entry on the wall clock: on a machine so busy that a thread waits
// in the run queue half the time, 50 ms of wall clock is 25 ms of CPU, and an innocent app's
// short turn would be stopped (and its isolate restarted). Linux counts, per thread, the time
// spent running and the time spent runnable but waiting for a core (/proc/self/task/<tid>/
// schedstat). Sampled every SAMPLE_MS, the share of the last WINDOWS samples converts CPU time
// into the wall-clock timeout to give an entry, and an entry's wall-clock duration back into the
// CPU time it is charged. Elsewhere (no schedstat) the factor is 1.
//
// Two kinds of thread are measured: the main thread, and isolated-vm's pool threads (which inherit
// the main thread's name, "MainThread"; they run at a lower priority, server/thread-priority.ts,
// so they wait longer when the cores are busy). The pool is sampled only while someone asks.
//
// An app cannot raise its own factor by looping: a looping thread runs, it does not wait. Its
// limit stays the same CPU time; only the wall clock it is allowed grows with the wait.
import { readdirSync, readFileSync } from 'node:fs';

const SAMPLE_MS = 100;
/** Samples kept: the factor follows a burst of load for this many samples after it ends. */
const WINDOWS = 20;
/** Windows where the threads were runnable for less than this (ns) in all say nothing: they were idle. */
const MIN_RUNNABLE_NS = 20e6;
/** The main thread's factor never passes this: past it, the machine is too starved to serve anyway. */
const MAX_MAIN_FACTOR = 4;
/** The pool's factor never passes this: pool threads run niced and get little beside busy cores. */
const MAX_POOL_FACTOR = 10;
/** The pool is no longer sampled once nobody asked for this long. */
const POOL_IDLE_MS = 5000;
/** The name (comm) isolated-vm's threads inherit from the main thread. */
const POOL_COMM = 'MainThread';

type Times = [run: number, wait: number];

function schedstat(tid: number | string): Times | null {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ');
    const r = Number(run);
    const w = Number(wait);
    return Number.isFinite(r) && Number.isFinite(w) ? [r, w] : null;
  } catch {
    return null;
  }
}

/** A rolling window of (ran, waited) samples and the wall-per-CPU factor they give. */
class Share {
  readonly #samples: Times[] = [];
  readonly #max: number;
  factor = 1;
  constructor(max: number) {
    this.#max = max;
  }
  add(ran: number, waited: number): void {
    this.#samples.push([ran, waited]);
    if (this.#samples.length > WINDOWS) this.#samples.shift();
    let run = 0;
    let wait = 0;
    for (const [r, w] of this.#samples) {
      run += r;
      wait += w;
    }
    // Time-weighted over the window: one bad sample (a burst on one core) does not decide it.
    this.factor = run + wait < MIN_RUNNABLE_NS ? 1 : Math.min(this.#max, (run + wait) / Math.max(run, 1));
  }
  reset(): void {
    this.#samples.length = 0;
    this.factor = 1;
  }
}

const main = new Share(MAX_MAIN_FACTOR);
let lastMain = schedstat(process.pid);
if (lastMain !== null) {
  setInterval(() => {
    const now = schedstat(process.pid);
    if (now === null || lastMain === null) return;
    main.add(now[0] - lastMain[0], now[1] - lastMain[1]);
    lastMain = now;
  }, SAMPLE_MS).unref();
}

const pool = new Share(MAX_POOL_FACTOR);
/** Per pool thread: its times at the last sample. Other threads map to null (not the pool). */
const poolThreads = new Map<number, Times | null>();
let poolTimer: NodeJS.Timeout | null = null;
let poolAskedAt = 0;

function samplePool(): void {
  if (performance.now() - poolAskedAt > POOL_IDLE_MS) {
    clearInterval(poolTimer ?? undefined);
    poolTimer = null;
    poolThreads.clear();
    pool.reset();
    return;
  }
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  let ran = 0;
  let waited = 0;
  const live = new Set<number>();
  for (const name of tids) {
    const tid = Number(name);
    if (tid === process.pid) continue;
    live.add(tid);
    const last = poolThreads.get(tid);
    if (last === undefined) {
      let comm = '';
      try {
        comm = readFileSync(`/proc/self/task/${name}/comm`, 'latin1').trim();
      } catch {
        continue;
      }
      // A thread seen for the first time is a baseline: its history is not this sample's.
      poolThreads.set(tid, comm === POOL_COMM ? schedstat(tid) : null);
      continue;
    }
    if (last === null) continue;
    const now = schedstat(tid);
    if (now === null) continue;
    ran += now[0] - last[0];
    waited += now[1] - last[1];
    poolThreads.set(tid, now);
  }
  for (const tid of poolThreads.keys()) if (!live.has(tid)) poolThreads.delete(tid);
  pool.add(ran, waited);
}

/** Wall-clock time per unit of CPU time the main thread (or the pool's threads) lately got (≥ 1). */
export function wallPerCpu(mainThread: boolean): number {
  if (mainThread) return main.factor;
  poolAskedAt = performance.now();
  if (poolTimer === null && lastMain !== null) {
    poolTimer = setInterval(samplePool, SAMPLE_MS);
    poolTimer.unref();
    samplePool();
  }
  return pool.factor;
}

/** The wall-clock timeout that gives an entry `cpuMs` of CPU time on its thread now. */
export function wallTimeoutMs(cpuMs: number, mainThread: boolean): number {
  return Math.max(1, Math.ceil(cpuMs * wallPerCpu(mainThread)));
}

/** The CPU time an entry that took `wallMs` on the clock is charged. */
export function cpuChargeMs(wallMs: number, mainThread: boolean): number {
  return wallMs / wallPerCpu(mainThread);
}
