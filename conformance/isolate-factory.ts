// The one place the runner gets an isolate from: RuntimeIsolate, the same builder NANO uses for apps.
import { EntryError, RuntimeIsolate } from '../src/isolates/runtime-isolate.js';
import { FETCH_POLICY, type FetchPolicy } from '../src/host-calls/fetch.js';
import { APP_LIMIT_DEFAULTS, LOOP_NAME_DEFAULT } from '../src/config/schema.js';

/**
 * The fetch policy of test isolates: the runner's static server listens on loopback, which apps
 * may reach only when their config allows it, so the runner allows it as such a config would.
 */
const TEST_FETCH_POLICY: FetchPolicy = { maxConcurrent: APP_LIMIT_DEFAULTS.subrequests, timeoutMs: APP_LIMIT_DEFAULTS.subrequestTimeoutMs, allow: ['127.0.0.1', 'localhost'], loopName: LOOP_NAME_DEFAULT };

/** The part of RuntimeIsolate the runner relies on. */
export interface TestIsolate {
  runScript(code: string, filename: string, timeoutMs?: number): Promise<void>;
  dispose(): void;
  readonly disposed: boolean;
}

export interface TestIsolateOptions {
  readonly name: string;
  readonly memoryLimitMb?: number;
  readonly onLog?: (level: string, text: string) => void;
  /**
   * Budget of each entry the host starts on its own (timers, op completions such as a fetch's
   * body). Apps get their CPU limit there; a test file gets what is left of its deadline, since
   * one completion may run a whole suite (idlharness parses and tests hundreds of members).
   */
  readonly entryTimeoutMs?: () => number;
  /** An entry the host started ran out of time: the file's result must say so. */
  readonly onEntryTimeout?: (error: Error) => void;
}

/** Says in reports which isolate builder produced the figures. */
export const ISOLATE_KIND: string = 'RuntimeIsolate (src/isolates/runtime-isolate.ts)';

/**
 * Creates a fresh isolate for one test file with the NANO web runtime installed exactly as apps
 * get it, with a fetch policy that allows the runner's static server. Nothing else is added for tests: the runner's own scripts (prelude, reporter) only adapt
 * testharness.js to a worker-like scope.
 */
export async function createTestIsolate(opts: TestIsolateOptions): Promise<TestIsolate> {
  return RuntimeIsolate.create({
    name: opts.name,
    ...(opts.memoryLimitMb === undefined ? {} : { memoryLimitMb: opts.memoryLimitMb }),
    ...(opts.onLog === undefined ? {} : { onLog: opts.onLog }),
    opState: [[FETCH_POLICY, TEST_FETCH_POLICY]],
    ...(opts.entryTimeoutMs === undefined ? {} : { entryTimeout: opts.entryTimeoutMs }),
    // Only timeouts: an error thrown out of a completion is the runtime's own business, as for apps.
    ...(opts.onEntryTimeout === undefined
      ? {}
      : {
          onSignal: (name: string, _origin: number, args: unknown[]) => {
            const error = args[0];
            if (name === 'entryFailed' && error instanceof EntryError && error.failure === 'timeout') opts.onEntryTimeout?.(error);
          },
        }),
  });
}
