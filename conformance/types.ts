// The shapes every part of the conformance runner shares: test files, subtest results, file results.

/** testharness.js subtest statuses, by their names (the harness reports numbers; see reporter). */
export type SubtestStatus = 'PASS' | 'FAIL' | 'TIMEOUT' | 'NOTRUN' | 'PRECONDITION_FAILED';

/**
 * How a whole test file ended. OK and ERROR/TIMEOUT/PRECONDITION_FAILED come from testharness.js;
 * CRASH means the isolate died or could not run the harness; HANG means the runner's per-file
 * deadline passed and the harness did not answer even when asked to time out.
 */
export type FileStatus = 'OK' | 'ERROR' | 'TIMEOUT' | 'PRECONDITION_FAILED' | 'CRASH' | 'HANG';

/** One subtest as the reporter inside the isolate saw it. */
export interface SubtestResult {
  readonly name: string;
  readonly status: SubtestStatus;
  /** The assertion message for anything but PASS; absent for PASS. */
  readonly message?: string;
}

/**
 * What a test file loaded from the runner's own server, as distinct sorted URL paths: files and
 * handlers it got, files WPT does not have either (404), and what exists upstream only (reset).
 */
export interface FixtureUse {
  readonly served: readonly string[];
  readonly missing: readonly string[];
  readonly unavailable: readonly string[];
}

/** The outcome of running one test file (one variant of it) in a fresh isolate. */
export interface FileResult {
  /** Absent when the file made no request to the runner's server. */
  readonly fixtures?: FixtureUse;
  readonly status: FileStatus;
  /** Why the file did not end OK (harness message, uncaught error, crash text); absent when OK. */
  readonly message?: string;
  readonly subtests: readonly SubtestResult[];
  readonly durationMs: number;
}

/** The parsed `// META:` header of a test file. */
export interface TestMeta {
  /** Global scopes named by `global=`; WPT's default is window + dedicatedworker. */
  readonly globals: readonly string[];
  /** `script=` values in order, exactly as written (resolved later against the test's URL). */
  readonly scripts: readonly string[];
  readonly timeout: 'normal' | 'long';
  readonly title?: string;
  /** `variant=` values such as "?1-10"; one run per variant, or one run when empty. */
  readonly variants: readonly string[];
}

/** The global scope a file is run as; decides what `GLOBAL.isWindow()` and friends answer. */
export type ScopeKind = 'worker' | 'window';

/** One unit of work for the pool: a test file (and variant) with everything needed to run it. */
export interface TestJob {
  /** The key used in reports and expectations: path from the WPT root plus the variant. */
  readonly id: string;
  readonly area: string;
  /** Absolute directory of the WPT checkout this file belongs to. */
  readonly root: string;
  /** Path from `root`, with forward slashes. */
  readonly path: string;
  readonly variant: string;
  readonly meta: TestMeta;
  readonly scope: ScopeKind;
  /** True for `.worker.js` files, which load testharness.js and call done() themselves. */
  readonly selfContained: boolean;
}

/** A skipped file, with the reason recorded in the expectations. */
export interface SkippedJob {
  readonly id: string;
  readonly area: string;
  readonly reason: string;
}
