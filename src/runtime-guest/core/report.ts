// The runtime's "report the exception" for errors thrown by listeners, timers and callbacks. The
// work (an ErrorEvent on the global, then the log) is the report-error unit's, loaded on the first
// such error: an app that never throws one never loads it.
import { lazyUnit } from './units.js';

const reportErrorUnit = lazyUnit<typeof import('../html/report-error.js')>('report-error');

/** https://html.spec.whatwg.org/multipage/webappapis.html#report-the-exception */
export function reportException(err: unknown): void {
  reportErrorUnit().reportException(err);
}
