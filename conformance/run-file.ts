// Runs one WPT test file (one variant) in a fresh isolate and collects what its harness reports.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HARNESS_STATUS, SUBTEST_STATUS, controlName, preludeScript, reporterScript } from './harness-scripts.js';
import { createTestIsolate, type TestIsolate } from './isolate-factory.js';
import { resolveScriptPath, unalias } from './meta.js';
import { needsSubstitution, substitute, type ServerInfo } from './substitute.js';
import type { FileResult, FileStatus, SubtestResult, SubtestStatus, TestJob } from './types.js';

export interface RunFileOptions {
  /** Source of testharness.js to load (the checkout's own, or the npm copy). */
  readonly testharness: string;
  /** The static server for `job.root`, which gives the test its URL. */
  readonly server: ServerInfo;
  /** Milliseconds before the runner asks the harness to time out; `timeout=long` files get 3×. */
  readonly timeoutMs: number;
  readonly memoryLimitMb?: number;
  /** Called with console output that is not a reporter message (for --verbose). */
  readonly onConsole?: (level: string, text: string) => void;
}

/** How long the harness gets, after being told to time out, to report before the file counts as hung. */
const GRACE_MS = 2000;

/** The per-file state fed by the reporter's console messages. */
class Collector {
  readonly subtests: SubtestResult[] = [];
  readonly #port: RegExp;
  readonly #names = new Map<string, number>();
  harness: { status: FileStatus; message: string | null } | null = null;
  #finish: () => void = () => {};
  readonly finished = new Promise<void>((resolve) => (this.#finish = resolve));

  /** `port` is the static server's: it is replaced by "{port}" so names stay the same across runs. */
  constructor(port: number) {
    this.#port = new RegExp(`:${port}(?!\\d)`, 'g');
  }

  /** Adds a subtest; repeated names get " [2]", " [3]", … so every key stays unique. */
  add(rawName: string, status: number, rawMessage: string | null): void {
    const name = rawName.replace(this.#port, ':{port}');
    const message = rawMessage === null ? null : rawMessage.replace(this.#port, ':{port}');
    const count = (this.#names.get(name) ?? 0) + 1;
    this.#names.set(name, count);
    const unique = count === 1 ? name : `${name} [${count}]`;
    const named: SubtestStatus = SUBTEST_STATUS[status] ?? 'FAIL';
    this.subtests.push(named === 'PASS' || message === null ? { name: unique, status: named } : { name: unique, status: named, message });
  }

  /** Reads one reporter message (JSON after the marker). */
  take(json: string): void {
    const message = JSON.parse(json) as { r?: [string, number, string | null]; d?: [number, string | null, [string, number, string | null][]] };
    if (message.r !== undefined) this.add(...message.r);
    if (message.d !== undefined) {
      const [status, text, late] = message.d;
      for (const entry of late) this.add(...entry);
      this.harness = { status: HARNESS_STATUS[status] ?? 'ERROR', message: text === null ? null : text.replace(this.#port, ':{port}') };
      this.#finish();
    }
  }
}

/** The text of one helper script, `.sub` substituted when its name asks for it. */
function loadScript(job: TestJob, path: string, server: ServerInfo, testUrl: URL): string {
  const text = readFileSync(join(job.root, path), 'utf8');
  return needsSubstitution(path) ? substitute(text, server, new URL(`/${path}`, testUrl)) : text;
}

/** For `.worker.js` files: the scripts named as string literals in importScripts(...) calls. */
function importableScripts(job: TestJob, source: string): Record<string, string> {
  const scripts: Record<string, string> = {};
  for (const call of source.matchAll(/importScripts\(([^)]*)\)/g)) {
    for (const literal of (call[1] ?? '').matchAll(/["']([^"']+)["']/g)) {
      const path = resolveScriptPath(job.path, literal[1] ?? '');
      if (path !== null && existsSync(join(job.root, path))) scripts[`/${path}`] = readFileSync(join(job.root, path), 'utf8');
    }
  }
  return scripts;
}

/** The URL a file runs at, named like wptserve's wrappers (x.any.js runs as x.any.worker.js in a worker). */
export function testUrl(job: TestJob, server: ServerInfo): URL {
  const path = job.scope === 'worker' ? job.path.replace(/\.any\.js$/, '.any.worker.js') : job.path.replace(/\.(any|window)\.js$/, '.$1.html');
  return new URL(`http://${server.host}:${server.port}/${path}${job.variant}`);
}

/**
 * Runs the file: prelude, testharness.js, reporter, META scripts, the test, then done(); waits for
 * completion or the deadline, then asks the harness to time out, then gives up (HANG). Any
 * failure to create or run the isolate ends as CRASH. The isolate is always disposed.
 */
export async function runFile(job: TestJob, options: RunFileOptions): Promise<FileResult> {
  const started = performance.now();
  const nonce = randomBytes(8).toString('hex');
  const marker = `\u0001NANO-WPT-${nonce}:`;
  const collector = new Collector(options.server.port);
  const deadline = started + options.timeoutMs * (job.meta.timeout === 'long' ? 3 : 1);
  const url = testUrl(job, options.server);
  let loadError: string | undefined;
  let isolate: TestIsolate | undefined;

  const result = (status: FileStatus, message?: string): FileResult => ({
    status,
    ...(message === undefined || message === '' ? {} : { message: message.slice(0, 2000) }),
    subtests: collector.subtests,
    durationMs: Math.round(performance.now() - started),
  });

  try {
    const source = readFileSync(join(job.root, job.path), 'utf8');
    const remaining = (): number => Math.max(1, Math.round(deadline - performance.now()));
    isolate = await createTestIsolate({
      entryTimeoutMs: remaining,
      // A timer or completion stopped by its timeout loses the promise chain it was running:
      // without this the file would only time out, with no word of why.
      onEntryTimeout: (error) => {
        loadError ??= `a callback the host started ran out of time: ${errorText(error)}`;
      },
      name: `wpt:${job.id}`,
      ...(options.memoryLimitMb === undefined ? {} : { memoryLimitMb: options.memoryLimitMb }),
      onLog: (level, text) => {
        const at = text.indexOf(marker);
        if (at === -1) options.onConsole?.(level, text);
        else collector.take(text.slice(at + marker.length));
      },
    });
    const live = isolate;
    const prelude = preludeScript({
      url: url.href,
      scope: job.scope,
      ...(job.meta.title === undefined ? {} : { title: job.meta.title }),
      ...(job.selfContained ? { importable: importableScripts(job, source) } : {}),
    });
    await live.runScript(prelude, 'wpt:prelude.js', remaining());
    await live.runScript(options.testharness, '/resources/testharness.js', remaining());
    await live.runScript(reporterScript(marker, nonce, job.selfContained), 'wpt:reporter.js', remaining());

    // Like a browser loading <script> tags: an error in one script is recorded and the next runs.
    const scripts: [string, string][] = [];
    for (const script of job.meta.scripts) {
      const resolved = resolveScriptPath(job.path, script);
      const path = resolved === null ? null : unalias(resolved);
      if (path === null || !existsSync(join(job.root, path))) {
        loadError ??= `META script ${script} not found`;
        continue;
      }
      scripts.push([path, loadScript(job, path, options.server, url)]);
    }
    const testSource = needsSubstitution(job.path) ? substitute(source, options.server, url) : source;
    scripts.push([job.path, testSource]);
    for (const [path, code] of scripts) {
      if (live.disposed) break;
      try {
        // The trailing statement makes the script's completion value undefined: RuntimeIsolate
        // copies it out, and a function or other uncloneable last value would count as an error.
        await live.runScript(`${code}\n;void 0;`, `/${path}`, remaining());
      } catch (error) {
        if (live.disposed) throw error;
        loadError ??= `uncaught in /${path}: ${errorText(error)}`;
      }
    }

    const control = `globalThis[${JSON.stringify(controlName(nonce))}]`;
    // loaded() and done() are quick; they get their own small budget even when a slow script used
    // up the file's. The worker's "install" event marks the end of loading, as in a browser.
    await live.runScript(`${control}.loaded();`, 'wpt:loaded.js', GRACE_MS);
    if (!job.selfContained || loadError !== undefined) await live.runScript(`${control}.done();`, 'wpt:done.js', GRACE_MS);

    const outcome = await waitFor(collector, live, deadline);
    if (outcome === 'disposed') return result('CRASH', 'the isolate was disposed (memory limit or a fatal error)');
    if (outcome === 'deadline') {
      // Ask testharness.js to time out the pending subtests, which reports them as TIMEOUT.
      await live.runScript(`${control}.timeout();`, 'wpt:timeout.js', GRACE_MS).catch(() => {});
      const late = await waitFor(collector, live, performance.now() + GRACE_MS);
      if (late !== 'finished') return result('HANG', `no completion within ${Math.round(deadline - started)} ms, even after timeout()`);
    }
    const harness = collector.harness ?? { status: 'CRASH' as const, message: 'no completion message' };
    if (loadError === undefined) return result(harness.status, harness.message ?? undefined);
    // An error while loading is the root cause; the harness's own message usually follows from it.
    const also = harness.message === null ? '' : ` (harness: ${harness.message})`;
    return result(harness.status === 'OK' ? 'ERROR' : harness.status, `${loadError}${also}`);
  } catch (error) {
    return result('CRASH', errorText(error));
  } finally {
    isolate?.dispose();
  }
}

/** Waits for the completion message, the isolate's death, or the deadline; polls every 50 ms. */
async function waitFor(collector: Collector, isolate: TestIsolate, deadline: number): Promise<'finished' | 'disposed' | 'deadline'> {
  let done = false;
  void collector.finished.then(() => (done = true));
  await Promise.resolve();
  while (!done) {
    if (isolate.disposed) return 'disposed';
    const left = deadline - performance.now();
    if (left <= 0) return 'deadline';
    await Promise.race([collector.finished, new Promise((resolve) => setTimeout(resolve, Math.min(50, left)))]);
  }
  return 'finished';
}

/** The text of an error from the isolate; RuntimeIsolate's EntryError wrapper name adds nothing. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === 'EntryError' ? error.message : `${error.name}: ${error.message}`;
}
