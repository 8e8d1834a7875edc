// Expectations per area (wpt/expectations/<area>.json): loading, matching a result both ways, rewriting.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { loadJson } from './config.js';
import type { FileResult } from './types.js';

const Reason = z.string().trim().min(1, 'every skip or failure needs a reason');

/**
 * What a failure reason starts with, so a reader can judge it: what the test needs that the runner
 * lacks, a browser-only feature, a feature NANO does not implement, a NANO bug, a dependency's
 * behaviour, a deliberate divergence, the runner's own limit; or `observed:`, a failure message recorded by
 * --update-expectations that still waits for a human reason (committed data must have none).
 */
export const REASON_KINDS = ['needs ', 'browser-only: ', 'not implemented: ', 'bug: ', 'upstream: ', 'by design: ', 'runner: ', 'observed: '] as const;
export const OBSERVED = 'observed: ';
const FailureReason = Reason.refine((text) => REASON_KINDS.some((kind) => text.startsWith(kind)), {
  message: `a failure reason starts with one of ${REASON_KINDS.map((kind) => JSON.stringify(kind.trim())).join(', ')}`,
});

/**
 * Per test file: either skipped with a reason, or the subtests expected to fail and/or `harness`
 * (why the file as a whole is expected not to end OK: error, timeout, crash). Failing subtests
 * are listed in `fail` (name → reason) or, where one reason covers several, in `because`
 * (reason → names); `saveExpectations` groups them that way by itself.
 */
const FileEntrySchema = z.union([
  z.strictObject({ skip: Reason }),
  z
    .strictObject({ fail: z.record(z.string(), FailureReason).optional(), because: z.record(FailureReason, z.array(z.string()).min(1)).optional(), harness: FailureReason.optional() })
    .refine((value) => value.fail !== undefined || value.because !== undefined || value.harness !== undefined, {
      message: 'an entry needs "skip", "fail", "because" or "harness"; remove entries that expect everything to pass',
    })
    .refine((value) => {
      const names = [...Object.keys(value.fail ?? {}), ...Object.values(value.because ?? {}).flat()];
      return new Set(names).size === names.length;
    }, { message: 'a subtest is listed twice (in "fail" and "because", or under two reasons)' }),
]);

/** A file's expectation as the runner uses it: every failing subtest with its reason. */
export type FileExpectation = { skip: string } | { fail?: Record<string, string>; harness?: string };
export type AreaExpectations = Record<string, FileExpectation>;

/** Turns the grouped file form into one reason per subtest. */
function flatten(entry: z.infer<typeof FileEntrySchema>): FileExpectation {
  if ('skip' in entry) return { skip: entry.skip };
  const fail: Record<string, string> = { ...(entry.fail ?? {}) };
  for (const [reason, names] of Object.entries(entry.because ?? {})) for (const name of names) fail[name] = reason;
  return { ...(Object.keys(fail).length > 0 ? { fail } : {}), ...(entry.harness === undefined ? {} : { harness: entry.harness }) };
}

const AreaExpectationsSchema = z.record(z.string().min(1), FileEntrySchema).transform((area) => {
  const flat: AreaExpectations = {};
  for (const [id, entry] of Object.entries(area)) flat[id] = flatten(entry);
  return flat;
});

/** One way a result disagrees with its expectation. Any of these makes the run fail. */
export interface Mismatch {
  readonly file: string;
  readonly kind: 'unexpected-fail' | 'unexpected-pass' | 'unexpected-harness' | 'harness-now-ok' | 'stale';
  readonly subtest?: string;
  readonly detail: string;
}

/** Loads an area's expectations; a missing file means "everything is expected to pass". */
export function loadExpectations(file: string): AreaExpectations {
  if (!existsSync(file)) return {};
  return loadJson(file, AreaExpectationsSchema);
}

/**
 * Writes expectations sorted by file, reason and subtest, so regenerating gives small diffs. A
 * reason shared by several subtests of a file is written once, in `because`, with their names.
 */
export function saveExpectations(file: string, expectations: AreaExpectations): void {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(expectations).sort()) {
    const entry = expectations[key];
    if (entry === undefined) continue;
    if ('skip' in entry) {
      sorted[key] = { skip: entry.skip };
      continue;
    }
    const out: { harness?: string; because?: Record<string, string[]>; fail?: Record<string, string> } = {};
    if (entry.harness !== undefined) out.harness = entry.harness;
    const byReason = new Map<string, string[]>();
    for (const name of Object.keys(entry.fail ?? {}).sort()) {
      const reason = entry.fail?.[name] ?? '';
      byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
    }
    const shared = [...byReason].filter(([, names]) => names.length > 1).sort(([a], [b]) => (a < b ? -1 : 1));
    if (shared.length > 0) out.because = Object.fromEntries(shared);
    const single = [...byReason].filter(([, names]) => names.length === 1).map(([reason, names]) => [names[0] ?? '', reason] as const);
    if (single.length > 0) out.fail = Object.fromEntries(single.sort(([a], [b]) => (a < b ? -1 : 1)));
    sorted[key] = out;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
}

/**
 * Compares one file's result with its expectation in both directions: a failure not listed, a
 * listed failure that passed, a harness problem not listed, a listed harness problem that went
 * away, and a listed subtest that no longer exists in a file that ran to completion.
 */
export function matchResult(file: string, result: FileResult, expected: FileExpectation | undefined): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const fail = expected !== undefined && 'fail' in expected ? (expected.fail ?? {}) : {};
  const harness = expected !== undefined && 'harness' in expected ? expected.harness : undefined;

  if (result.status !== 'OK' && harness === undefined) {
    mismatches.push({ file, kind: 'unexpected-harness', detail: `${result.status}: ${result.message ?? ''}` });
  } else if (result.status === 'OK' && harness !== undefined) {
    mismatches.push({ file, kind: 'harness-now-ok', detail: `expected "${harness}", but the file ended OK` });
  }

  const seen = new Set<string>();
  for (const subtest of result.subtests) {
    seen.add(subtest.name);
    const listed = Object.hasOwn(fail, subtest.name);
    if (subtest.status === 'PASS' && listed) {
      mismatches.push({ file, kind: 'unexpected-pass', subtest: subtest.name, detail: `expected to fail: ${fail[subtest.name] ?? ''}` });
    } else if (subtest.status !== 'PASS' && !listed) {
      mismatches.push({ file, kind: 'unexpected-fail', subtest: subtest.name, detail: `${subtest.status}: ${subtest.message ?? ''}` });
    }
  }

  // A file that did not finish may not have reported every subtest; only a complete run proves
  // that a listed subtest is gone.
  if (result.status === 'OK') {
    for (const name of Object.keys(fail)) {
      if (!seen.has(name)) mismatches.push({ file, kind: 'stale', subtest: name, detail: 'listed as failing but did not run' });
    }
  }
  return mismatches;
}

/** Shortens a failure message into a one-line `observed:` reason for a newly recorded expectation. */
function observedReason(status: string, message: string | undefined): string {
  const text = (message ?? '').replace(/\s+/g, ' ').trim();
  const reason = `${OBSERVED}${text === '' ? status : `${status}: ${text}`}`;
  return reason.length > 200 ? `${reason.slice(0, 197)}...` : reason;
}

/** A reason written by a person; an `observed:` one is only the last failure message seen. */
const human = (reason: string | undefined): string | undefined => (reason === undefined || reason.startsWith(OBSERVED) ? undefined : reason);

/**
 * The expectation that makes `result` match, keeping the human reasons already written for
 * failures that persist. An `observed:` reason is replaced by this run's message, so a failure
 * whose cause changed never keeps an old message. Returns undefined when the file passes
 * completely. Skips are never produced here: they are human decisions and are kept.
 */
export function expectationFor(result: FileResult, previous: FileExpectation | undefined): FileExpectation | undefined {
  if (previous !== undefined && 'skip' in previous) return previous;
  const oldFail = previous?.fail ?? {};
  const fail: Record<string, string> = {};
  const reported = new Set<string>();
  for (const subtest of result.subtests) {
    reported.add(subtest.name);
    if (subtest.status === 'PASS') continue;
    fail[subtest.name] = human(oldFail[subtest.name]) ?? observedReason(subtest.status, subtest.message);
  }
  if (result.status !== 'OK') {
    // Subtests that did not report in an unfinished file keep their entries.
    for (const [name, reason] of Object.entries(oldFail)) if (!reported.has(name)) fail[name] = reason;
  }
  const harness = result.status === 'OK' ? undefined : (human(previous?.harness) ?? observedReason(result.status, result.message));
  const hasFail = Object.keys(fail).length > 0;
  if (!hasFail && harness === undefined) return undefined;
  return { ...(hasFail ? { fail } : {}), ...(harness === undefined ? {} : { harness }) };
}

/** wpt/expectations/surface.json: API-surface names expected to be missing or mistyped, with reasons. */
const SurfaceExpectationsSchema = z.record(z.string().min(1), Reason);
export type SurfaceExpectations = Record<string, string>;

export function loadSurfaceExpectations(file: string): SurfaceExpectations {
  if (!existsSync(file)) return {};
  return loadJson(file, SurfaceExpectationsSchema);
}

/** Surface entries matched both ways: missing but not listed, or listed but present. */
export function matchSurface(results: readonly { name: string; ok: boolean; actual: string }[], expected: SurfaceExpectations): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (const entry of results) {
    const listed = Object.hasOwn(expected, entry.name);
    if (!entry.ok && !listed) mismatches.push({ file: 'API surface', kind: 'unexpected-fail', subtest: entry.name, detail: `typeof is ${entry.actual}` });
    if (entry.ok && listed) mismatches.push({ file: 'API surface', kind: 'unexpected-pass', subtest: entry.name, detail: `expected missing: ${expected[entry.name] ?? ''}` });
  }
  return mismatches;
}

/** The surface expectations that make `results` match, keeping existing reasons. */
export function surfaceExpectationsFor(results: readonly { name: string; ok: boolean; actual: string }[], previous: SurfaceExpectations): SurfaceExpectations {
  const next: SurfaceExpectations = {};
  for (const entry of results) if (!entry.ok) next[entry.name] = previous[entry.name] ?? `observed: typeof is ${entry.actual}`;
  return next;
}

/** Writes a flat name → reason map, sorted. */
export function saveSurfaceExpectations(file: string, expectations: SurfaceExpectations): void {
  const sorted = Object.fromEntries(Object.entries(expectations).sort(([a], [b]) => (a < b ? -1 : 1)));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
}
