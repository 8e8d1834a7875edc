// The docs matrix's figures of other runtimes: measured on the same files, or read from their expectation files.
import type { Comparison } from './config.js';
import { areaMeanPercent, percent, type Report } from './report.js';

type Measured = NonNullable<Comparison['measured']>;

const fmt = (n: number): string => n.toLocaleString('en-US');
const rate = (passed: number, total: number): string => (total === 0 ? '–' : `${percent(passed, total).toFixed(1)}%`);

/** A peer's expected failures for one area as read from its files: "250 (68/75 files)". */
export function readPeerCell(comparison: Comparison, area: string, peer: string): string {
  const data = comparison.areas[area]?.[peer];
  if (data === undefined) return '–';
  const files = data.filesRun !== undefined && data.files !== undefined ? ` (${data.filesRun}/${data.files} files)` : '';
  const subtests = data.subtests !== undefined ? ` of ${fmt(data.subtests)}` : '';
  return `${fmt(data.expectedFailures)}${subtests}${files}`;
}

/** The measured runtimes, in the order comparison.json lists them (none when nothing was measured). */
export function measuredRuntimes(comparison: Comparison): Measured['runtimes'] {
  return comparison.measured?.runtimes ?? [];
}

/** One measured runtime's pass rate for an area: "97.1%"; "–" when it ran no file of it. */
export function measuredCell(counts: { passed: number; total: number } | undefined): string {
  return counts === undefined ? '–' : rate(counts.passed, counts.total);
}

/**
 * The section on measured runtimes: how they were run, on which commits (and whether those are
 * the ones this report ran), and each one's totals beside NANO's. `cell` escapes text for MDX.
 */
export function measuredSection(report: Report, comparison: Comparison, cell: (text: string) => string): string[] {
  const measured = comparison.measured;
  if (measured === undefined) return ['No other runtime has been measured on these files; the columns of other runtimes above are counts read from their expectation files.', ''];
  const same = Object.entries(report.sources).every(([name, source]) => measured.sources[name] === source.ran);
  const commits = Object.entries(measured.sources).map(([name, commit]) => `\`${name}\` at ${commit.slice(0, 12)}`).join(', ');
  const rows = [
    `| NANO (this report) | ${fmt(report.totals.passed)} / ${fmt(report.totals.total)} | ${rate(report.totals.passed, report.totals.total)} | ${areaMeanPercent(report.areas).toFixed(1)}% |`,
    ...measured.runtimes.map((r) => `| ${cell(r.runtime)} | ${fmt(r.all.passed)} / ${fmt(r.all.total)} | ${rate(r.all.passed, r.all.total)} | ${areaMeanPercent(r.areas).toFixed(1)}% |`),
  ];
  return [
    `Measured ${measured.date} on the same files (${commits}${same ? ', the commits of this report' : '; **not the commits of this report**'}): ${cell(measured.how)}`,
    '',
    `Command: ${cell(measured.command)}`,
    '',
    '| Runtime | Subtests passed | % | Mean of the areas |',
    '|---|--:|--:|--:|',
    ...rows,
    '',
  ];
}
