// How much of the time the main thread wants a core it gets. Entry timeouts are wall-clock, but
// the main thread's slice is meant as CPU time: on a machine so busy that the main thread waits
// in the run queue half the time, a 50 ms slice of wall clock is 25 ms of CPU, and an innocent
// app's short turn would be stopped (and its isolate restarted). Linux counts, per thread, the
// time spent running and the time spent runnable but waiting for a core (/proc/<pid>/task/<tid>/
// schedstat); sampled every SAMPLE_MS, the worst share of the last WINDOWS samples converts a
// CPU slice into the wall-clock timeout to give. Elsewhere the factor is 1.
import { readFileSync } from 'node:fs';

const SAMPLE_MS = 100;
/** Samples kept: the factor follows a burst of load for this many samples after it ends. */
const WINDOWS = 20;
/** A sample where the thread was runnable for less than this (ns) says nothing: it was idle. */
const MIN_RUNNABLE_NS = 5e6;
/** The factor never passes this (a thread that gets a tenth of its time, or less). */
const MAX_FACTOR = 10;

const path = `/proc/self/task/${process.pid}/schedstat`;
const waits: number[] = [];
let last: [run: number, wait: number] | null = read();
let factor = 1;

function read(): [number, number] | null {
  try {
    const [run, wait] = readFileSync(path, 'latin1').split(' ');
    const r = Number(run);
    const w = Number(wait);
    return Number.isFinite(r) && Number.isFinite(w) ? [r, w] : null;
  } catch {
    return null;
  }
}

if (last !== null) {
  setInterval(() => {
    const now = read();
    if (now === null || last === null) return;
    const ran = now[0] - last[0];
    const waited = now[1] - last[1];
    last = now;
    waits.push(ran + waited >= MIN_RUNNABLE_NS ? waited / (ran + waited) : 0);
    if (waits.length > WINDOWS) waits.shift();
    const worst = Math.max(...waits);
    factor = Math.min(MAX_FACTOR, 1 / Math.max(1 / MAX_FACTOR, 1 - worst));
  }, SAMPLE_MS).unref();
}

/** Wall-clock time per unit of CPU the main thread gets when it wants a core, lately (≥ 1). */
export function wallPerCpu(): number {
  return factor;
}
