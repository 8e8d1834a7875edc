// Keeps the main thread ahead of every other thread of the process. The main thread parses every
// app's HTTP and runs the apps on the shared thread; the other threads run work one app can make
// a lot of (isolates on the pool, crypto and zlib jobs on libuv's workers, V8's GC and compile
// helpers). They run at a lower priority (a higher nice value), so when the cores are busy the
// scheduler gives the main thread its time first and a tenant's background CPU cannot stretch
// its neighbours' latency. When cores are idle the nice value changes nothing.
//
// V8's platform workers (GC and compile helpers, named V8Worker and DelayedTaskScheduler) keep
// the main thread's priority: the main thread waits for them during its own parallel GC pauses,
// so lowering them lengthens the pauses of every app on the main thread.
//
// Linux gives each thread its own nice value, set with setpriority() on the thread id
// (`os.setPriority(tid, …)`); raising it needs no privilege. Threads appear lazily (the isolate
// pool grows with load), so the list is read again every POLL_MS.
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of every thread but the main one (0: leave them as they are). */
export const HELPER_THREAD_NICE = 10;
const POLL_MS = 500;
/** Thread names (comm, at most 15 characters) of V8's platform workers. */
const V8_HELPERS = new Set(['V8Worker', 'DelayedTaskSche']);

/** The nice value to use: NANO_HELPER_NICE (0–19) or HELPER_THREAD_NICE. */
export function helperNice(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.NANO_HELPER_NICE;
  if (raw === undefined || raw === '') return HELPER_THREAD_NICE;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 && n <= 19 ? n : HELPER_THREAD_NICE;
}

/** Sets `nice` on every thread of this process but the main one, now and as threads appear; returns a stop function. */
export function lowerHelperThreads(nice: number): () => void {
  if (nice === 0 || process.platform !== 'linux') return () => {};
  const done = new Set<number>();
  const sweep = (): void => {
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return;
    }
    const live = new Set<number>();
    for (const name of tids) {
      const tid = Number(name);
      live.add(tid);
      if (tid === process.pid || done.has(tid)) continue;
      try {
        if (!V8_HELPERS.has(readFileSync(`/proc/self/task/${name}/comm`, 'utf8').trim())) setPriority(tid, nice);
      } catch {
        // The thread ended between the listing and the call.
      }
      done.add(tid);
    }
    for (const tid of done) if (!live.has(tid)) done.delete(tid);
  };
  sweep();
  const timer = setInterval(sweep, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
