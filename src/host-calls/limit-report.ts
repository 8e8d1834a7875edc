// Where host calls report that an app hit one of their bounds. The app gets a web error (its
// own business); the operator gets a log line naming the app and the bound, at most one per
// app and bound per second (with the count of hits since the last line), so an app that hits a
// bound in a loop cannot flood the host's log. The server installs the reporter at start.

export type LimitReporter = (app: string, limit: string, message: string, hits: number) => void;

/** Least time between two reports of one app and bound. */
export const REPORT_INTERVAL_MS = 1000;

let reporter: LimitReporter = () => {};
/** Per `app\0limit`: when it was last reported and the hits since. */
const seen = new Map<string, { at: number; hits: number; message: string; timer: NodeJS.Timeout | null }>();

export function setLimitReporter(fn: LimitReporter): void {
  reporter = fn;
}

/** One hit of `limit` (a name from src/host-calls/README.md) by `app`; `message` is what the app saw. */
export function reportLimit(app: string, limit: string, message: string): void {
  const key = `${app}\0${limit}`;
  const now = performance.now();
  const s = seen.get(key);
  if (s === undefined || (now - s.at >= REPORT_INTERVAL_MS && s.timer === null)) {
    seen.set(key, { at: now, hits: 0, message, timer: null });
    reporter(app, limit, message, 1);
    return;
  }
  s.hits++;
  s.message = message;
  // The hits after a report are told once the interval has passed.
  s.timer ??= setTimeout(() => {
    s.timer = null;
    s.at = performance.now();
    const hits = s.hits;
    s.hits = 0;
    if (hits > 0) reporter(app, limit, s.message, hits);
    if (hits === 0) seen.delete(key);
  }, Math.max(0, REPORT_INTERVAL_MS - (now - s.at))).unref();
}
