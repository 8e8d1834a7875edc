// The isolate's clock for performance.now(), Event.timeStamp and console.time: milliseconds since
// the runtime started (the time origin), monotonic even when the wall clock steps back. Isolates
// have no high-resolution timer of their own; millisecond resolution also keeps timing attacks on
// neighbours coarse (docs: security guide, "Known limits").
import { DateNow } from './primordials.js';

export let timeOrigin: number = DateNow();
let last = 0;

/** At boot: an isolate made from a startup snapshot would otherwise keep the snapshot's origin. */
export function startClock(): void {
  timeOrigin = DateNow();
  last = 0;
}

/** DOMHighResTimeStamp relative to `timeOrigin`. */
export function now(): number {
  const t = DateNow() - timeOrigin;
  if (t > last) last = t;
  return last;
}
