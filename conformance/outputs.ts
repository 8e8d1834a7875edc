// The generated files (docs matrix, badge, README badge line) as a function of report.json: written, or checked.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { badgeSvg } from './badge.js';
import type { Comparison } from './config.js';
import { renderMatrix } from './matrix.js';
import { areaMeanPercent, type Report, type RuntimeVersion } from './report.js';

/** Where the runner's published files live, relative to the repository root. */
export interface OutputPaths {
  readonly report: string;
  readonly matrix: string;
  readonly badge: string;
  readonly readme: string;
}

export function outputPaths(root: string): OutputPaths {
  return {
    report: join(root, 'conformance', 'report.json'),
    matrix: join(root, 'docs', 'src', 'content', 'docs', 'reference', 'wintercg.mdx'),
    badge: join(root, 'conformance', 'badge.svg'),
    readme: join(root, 'README.md'),
  };
}

/** The command that rewrites matrix, badge and README line from the committed report, running no test. */
export const REFRESH_COMMAND = 'npm run conformance -- --outputs-only';

/** The README's badge line sits between these markers; everything else in the README is left alone. */
const README_START = '<!-- wintercg-badge: generated from conformance/report.json -->';
const README_END = '<!-- /wintercg-badge -->';

/** The short form of a runtime version for prose: "abc1234", plus a note when the tree had changes. */
export function runtimeLabel(runtime: RuntimeVersion | undefined): string {
  if (runtime === undefined) return 'an unrecorded runtime commit';
  return `runtime ${runtime.commit.slice(0, 10)}${runtime.modified ? ' with uncommitted changes' : ''}`;
}

/** The README lines between the markers: the badge, what its number is, and the runtime it measured. */
export function readmeBadge(report: Report): string {
  const t = report.totals;
  return [
    README_START,
    `![WinterCG conformance](conformance/badge.svg) mean of the area pass rates; ${t.percent.toFixed(1)}% of` +
      ` ${t.total.toLocaleString('en-US')} subtests; ${runtimeLabel(report.runtime)}, ${report.generatedAt.slice(0, 10)}` +
      ' ([matrix](docs/src/content/docs/reference/wintercg.mdx))',
    README_END,
  ].join('\n');
}

/** Replaces the marked block of `readme` (or the bare badge image line of older READMEs) with `block`. */
export function withReadmeBadge(readme: string, block: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start !== -1 && end > start) return readme.slice(0, start) + block + readme.slice(end + README_END.length);
  const bare = /^!\[WinterCG conformance\]\(conformance\/badge\.svg\)[^\n]*$/m;
  if (bare.test(readme)) return readme.replace(bare, block);
  throw new Error(`README.md has no WinterCG badge line to update (add the line "${README_START}")`);
}

/** Everything derived from a report, as file contents by path. */
function render(paths: OutputPaths, report: Report, comparison: Comparison): Map<string, string> {
  const readme = existsSync(paths.readme) ? readFileSync(paths.readme, 'utf8') : '';
  return new Map([
    [paths.matrix, renderMatrix(report, comparison)],
    [paths.badge, badgeSvg('WinterCG', areaMeanPercent(report.areas))],
    [paths.readme, withReadmeBadge(readme, readmeBadge(report))],
  ]);
}

/** Writes matrix, badge and README line for `report` (the report itself is written by report.ts). */
export function writeOutputs(paths: OutputPaths, report: Report, comparison: Comparison): void {
  for (const [file, text] of render(paths, report, comparison)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

/** The committed report, as the runner wrote it. */
export function readReport(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

/**
 * Regenerates the outputs from the committed report and returns the files that differ from what
 * is on disk, relative to `root` (empty when all are true to the report).
 */
export function staleOutputs(root: string, paths: OutputPaths, comparison: Comparison): string[] {
  const report = readReport(paths.report);
  const stale: string[] = [];
  for (const [file, text] of render(paths, report, comparison)) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) stale.push(relative(root, file));
  }
  return stale;
}

/** Paths whose uncommitted changes make a run's figures differ from what its commit would give. */
const RUNTIME_PATHS = ['src', 'conformance', 'wpt/areas.json', 'wpt/expectations', 'package-lock.json', ':!conformance/report.json', ':!conformance/badge.svg'];

/** The git commit of the runtime a run measures, and whether its working tree differed from it. */
export function runtimeVersion(root: string): RuntimeVersion {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const commit = git('rev-parse', 'HEAD');
  if (commit === undefined) return { commit: 'unknown', modified: false };
  return { commit, modified: (git('status', '--porcelain', '--', ...RUNTIME_PATHS) ?? '') !== '' };
}

/**
 * One line per area whose figures differ between the committed report and a fresh run, then one
 * per file whose counts moved; empty when they agree. Only the areas the fresh run ran are
 * compared (a WPT copy may hold one source and not the other).
 */
export function totalsDifference(committed: Report, fresh: Report): string[] {
  const lines: string[] = [];
  const figure = (area: Report['areas'][string] | undefined): string => (area === undefined ? 'absent' : `${area.passed}/${area.total} in ${area.filesRun} files`);
  for (const [name, area] of Object.entries(fresh.areas)) {
    const old = committed.areas[name];
    if (old?.passed !== area.passed || old.total !== area.total || old.filesRun !== area.filesRun) {
      lines.push(`${name}: committed ${figure(old)}, this run ${figure(area)}`);
    }
  }
  for (const [id, file] of Object.entries(fresh.files)) {
    const old = committed.files[id];
    if (old === undefined) lines.push(`  ${id}: new, ${file.passed}/${file.total}`);
    else if (old.passed !== file.passed || old.total !== file.total) lines.push(`  ${id}: ${old.passed}/${old.total} -> ${file.passed}/${file.total}`);
  }
  for (const [id, file] of Object.entries(committed.files)) {
    if (fresh.areas[file.area] !== undefined && fresh.files[id] === undefined) lines.push(`  ${id}: no longer run`);
  }
  return lines;
}
