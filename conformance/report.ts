// Builds conformance/report.json: per area and per file, every subtest's outcome, plus the surface check.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SurfaceResult } from './surface.js';
import type { FileResult, FileStatus, FixtureUse, SkippedJob, SubtestResult, TestJob } from './types.js';

/** One file in the report: how it ended and its subtests, or why it was skipped. */
export interface FileReport {
  readonly area: string;
  readonly status: FileStatus | 'SKIP';
  readonly message?: string;
  readonly passed: number;
  readonly total: number;
  readonly durationMs?: number;
  /** Why its expected failures fail, from the expectations: reason → subtests (the file's own outcome counts as one). */
  readonly reasons?: Readonly<Record<string, number>>;
  /** What the file loaded from the runner's server; absent when it loaded nothing, so its result does not depend on it. */
  readonly fixtures?: FixtureUse;
  readonly subtests?: readonly SubtestResult[];
}

export interface AreaReport {
  readonly title: string;
  readonly source: string;
  readonly filesRun: number;
  /** Files that ended OK with every subtest passing. */
  readonly filesPassed: number;
  readonly filesSkipped: number;
  readonly passed: number;
  readonly total: number;
  /** Failures the expectations file lists for this area (subtests plus harness entries). */
  readonly expectedFailures: number;
}

export interface SourceReport {
  readonly repository: string;
  readonly pinned: string;
  readonly wpt: string;
  readonly date: string;
  /** The commit the files run came from ("unknown" when it cannot be told). */
  readonly ran: string;
  readonly matchesPin: boolean;
}

/** The NANO commit a report measured; `modified` when runtime files had uncommitted changes. */
export interface RuntimeVersion {
  readonly commit: string;
  readonly modified: boolean;
}

export interface Report {
  readonly generatedBy: string;
  readonly generatedAt: string;
  /** Absent in reports written before the runner recorded it. */
  readonly runtime?: RuntimeVersion;
  readonly isolate: string;
  readonly node: string;
  readonly wallTimeMs: number;
  readonly sources: Readonly<Record<string, SourceReport>>;
  readonly surface: { readonly present: number; readonly total: number; readonly entries: readonly SurfaceResult[] };
  readonly totals: { readonly filesRun: number; readonly filesSkipped: number; readonly passed: number; readonly total: number; readonly percent: number };
  readonly areas: Readonly<Record<string, AreaReport>>;
  readonly files: Readonly<Record<string, FileReport>>;
}

/**
 * Passed/total for one file. A file that did not end OK counts its harness outcome as one more
 * failing subtest, so a file that crashes before defining any subtest is not invisible.
 */
export function fileCounts(result: FileResult): { passed: number; total: number } {
  const passed = result.subtests.filter((subtest) => subtest.status === 'PASS').length;
  return { passed, total: result.subtests.length + (result.status === 'OK' ? 0 : 1) };
}

/** Messages in the report are cut to this length; the full text is one --verbose run away. */
const MESSAGE_LIMIT = 300;
const cut = (text: string): string => (text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT - 3)}...` : text);

/** Expected failures of one file grouped by reason, as `FileReport.reasons`; undefined when none. */
export function reasonCounts(expected: { fail?: Readonly<Record<string, string>>; harness?: string } | undefined): Record<string, number> | undefined {
  if (expected === undefined) return undefined;
  const counts: Record<string, number> = {};
  for (const reason of Object.values(expected.fail ?? {})) counts[reason] = (counts[reason] ?? 0) + 1;
  if (expected.harness !== undefined) counts[expected.harness] = (counts[expected.harness] ?? 0) + 1;
  return Object.keys(counts).length === 0 ? undefined : counts;
}

export function fileReport(job: TestJob, result: FileResult, reasons?: Record<string, number>): FileReport {
  return {
    area: job.area,
    status: result.status,
    ...(result.message === undefined ? {} : { message: cut(result.message) }),
    ...fileCounts(result),
    durationMs: result.durationMs,
    ...(reasons === undefined ? {} : { reasons }),
    ...(result.fixtures === undefined ? {} : { fixtures: result.fixtures }),
    subtests: result.subtests.map((subtest) => (subtest.message === undefined ? subtest : { ...subtest, message: cut(subtest.message) })),
  };
}

export function skippedReport(skip: SkippedJob): FileReport {
  return { area: skip.area, status: 'SKIP', message: skip.reason, passed: 0, total: 0 };
}

/** Sums files into their area's figures. */
export function summarizeArea(
  meta: { title: string; source: string; expectedFailures: number },
  files: readonly FileReport[],
): AreaReport {
  let passed = 0;
  let total = 0;
  let filesRun = 0;
  let filesPassed = 0;
  let filesSkipped = 0;
  for (const file of files) {
    if (file.status === 'SKIP') {
      filesSkipped++;
      continue;
    }
    filesRun++;
    passed += file.passed;
    total += file.total;
    if (file.status === 'OK' && file.passed === file.total) filesPassed++;
  }
  return { ...meta, filesRun, filesPassed, filesSkipped, passed, total };
}

/**
 * The badge's figure: the mean of the areas' pass rates. Weighting by subtests would let the
 * largest area decide it (WebCryptoAPI alone has ~60% of all subtests), and a runtime is judged
 * by how well each API area works.
 */
export function areaMeanPercent(areas: Readonly<Record<string, { readonly passed: number; readonly total: number }>>): number {
  const rates = Object.values(areas)
    .filter((a) => a.total > 0)
    .map((a) => a.passed / a.total);
  return rates.length === 0 ? 0 : Math.floor((rates.reduce((x, y) => x + y, 0) / rates.length) * 1000) / 10;
}

/** Percent with one decimal, rounded down so 99.96% never shows as 100%. */
export function percent(passed: number, total: number): number {
  return total === 0 ? 0 : Math.floor((passed / total) * 1000) / 10;
}

/**
 * Writes the report as JSON with one line per file (and per surface entry), so it stays a few MB
 * for ~20k subtests and a regeneration diffs file by file.
 */
export function writeReport(file: string, report: Report): void {
  const { files, surface, ...head } = report;
  const headJson = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  const surfaceLines = surface.entries.map((entry) => `    ${JSON.stringify(entry)}`).join(',\n');
  const fileLines = Object.entries(files).map(([id, entry]) => `    ${JSON.stringify(id)}: ${JSON.stringify(entry)}`).join(',\n');
  const text = [
    `${headJson},`,
    `  "surface": {"present": ${surface.present}, "total": ${surface.total}, "entries": [`,
    `${surfaceLines}`,
    '  ]},',
    '  "files": {',
    fileLines,
    '  }',
    '}',
    '',
  ].join('\n');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
