// The process's last line of defence: an exception or rejection that no request path caught.
// Every host callback on a request path belongs to an app and fails only that app's request
// (src/isolates/app-instance.ts), so reaching this means a NANO bug. The process keeps serving:
// exiting would end every app's requests to stop one, and with one process there is no
// supervisor to start a replacement. The event is logged at fatal level with the app whose
// isolate the main thread entered last (the likeliest culprit) so that it can be fixed.
import type { Logger } from '../observability/logger.js';
import { lastEnteredApp } from '../isolates/runtime-isolate.js';

let installed = false;
let count = 0;

/** How many uncaught exceptions and unhandled rejections the process survived. */
export function lastResortCount(): number {
  return count;
}

export function installLastResort(log: Logger): void {
  if (installed) return;
  installed = true;
  const report = (kind: string, err: unknown): void => {
    count++;
    const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
    try {
      log.fatal({ event: kind, app: lastEnteredApp(), err: stack.slice(0, 8192), count }, `${kind}: a host error escaped its request; the process keeps serving`);
    } catch {
      // Logging itself failed: nothing else can be done without risking the process.
    }
  };
  process.on('uncaughtException', (err) => report('uncaughtException', err));
  process.on('unhandledRejection', (reason) => report('unhandledRejection', reason));
}
