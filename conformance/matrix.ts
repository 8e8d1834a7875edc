// Renders the docs site's WinterCG page (MDX) from the report: per area, per file, peers and API surface.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Comparison } from './config.js';
import { REFRESH_COMMAND, runtimeLabel } from './outputs.js';
import { measuredCell, measuredRuntimes, measuredSection, readPeerCell } from './matrix-peers.js';
import { areaMeanPercent, percent, type FileReport, type Report } from './report.js';

/** Escapes text for an MDX table cell: pipes, braces and angle brackets would be parsed. */
function cell(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[{}<>`*_[\]]/g, (char) => `&#${char.charCodeAt(0)};`);
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const rate = (passed: number, total: number): string => (total === 0 ? '–' : `${percent(passed, total).toFixed(1)}%`);

function areaTable(report: Report, comparison: Comparison): string[] {
  const measured = measuredRuntimes(comparison);
  const lines = [
    `| Area | Files run | Skipped | Subtests passed | % | NANO expected failures |${measured.map((r) => ` ${cell(r.runtime)}, same files |`).join('')} workerd expected failures (read) | Deno expected failures (read) |`,
    `|---|--:|--:|--:|--:|--:|${measured.map(() => '--:|').join('')}--:|--:|`,
  ];
  for (const [name, area] of Object.entries(report.areas)) {
    lines.push(
      `| ${cell(area.title)} | ${area.filesRun} | ${area.filesSkipped} | ${fmt(area.passed)} / ${fmt(area.total)} | ${rate(area.passed, area.total)} | ${fmt(area.expectedFailures)} |${measured.map((r) => ` ${measuredCell(r.areas[name])} |`).join('')} ${readPeerCell(comparison, name, 'workerd')} | ${readPeerCell(comparison, name, 'deno')} |`,
    );
  }
  const t = report.totals;
  lines.push(`| **All** | ${t.filesRun} | ${t.filesSkipped} | ${fmt(t.passed)} / ${fmt(t.total)} | ${rate(t.passed, t.total)} | |${measured.map((r) => ` ${measuredCell(r.all)} |`).join('')} | |`);
  lines.push(`| **Mean of the areas** (the badge) | | | | ${areaMeanPercent(report.areas).toFixed(1)}% | |${measured.map((r) => ` ${areaMeanPercent(r.areas).toFixed(1)}% |`).join('')} | |`);
  return lines;
}

function surfaceTable(report: Report): string[] {
  const lines = ['| Name | Kind | Expected `typeof` | NANO |', '|---|---|---|---|'];
  for (const entry of report.surface.entries) {
    const seen = entry.ok ? '✅' : `❌ ${cell(entry.actual)}`;
    lines.push(`| \`${entry.name}\` | ${entry.kind} | ${entry.type} | ${seen} |`);
  }
  return lines;
}

/** What a file loaded from the runner's server, for the per-file table ("" when nothing). */
function fixturesCell(file: FileReport): string {
  const use = file.fixtures;
  if (use === undefined) return '';
  const list = (paths: readonly string[]): string => cell(paths.slice(0, 3).join(', ') + (paths.length > 3 ? `, … (${paths.length})` : ''));
  const parts: string[] = [];
  if (use.served.length > 0) parts.push(`${use.served.length} served`);
  if (use.missing.length > 0) parts.push(`404: ${list(use.missing)}`);
  if (use.unavailable.length > 0) parts.push(`not available here: ${list(use.unavailable)}`);
  return parts.join('; ');
}

function fileTable(files: readonly [string, FileReport][]): string[] {
  const lines = ['| File | Result | Passed | Total | Loads from the runner\'s server |', '|---|---|--:|--:|---|'];
  for (const [id, file] of files) {
    const result = file.status === 'SKIP' ? `skipped: ${cell(file.message ?? '')}` : file.status === 'OK' ? 'OK' : cell(file.status);
    lines.push(`| ${cell(id)} | ${result} | ${file.status === 'SKIP' ? '' : file.passed} | ${file.status === 'SKIP' ? '' : file.total} | ${fixturesCell(file)} |`);
  }
  return lines;
}

/** The commit the figures measured, as a link-free code span. */
function runtimeCell(report: Report): string {
  return report.runtime === undefined ? runtimeLabel(undefined) : `NANO \`${report.runtime.commit.slice(0, 10)}\`${report.runtime.modified ? ' (with uncommitted changes)' : ''}`;
}

/** The two largest areas and their subtests, to say how much a subtest-weighted figure leans on them. */
function largest(report: Report): { titles: string; subtests: number } {
  const top = Object.values(report.areas)
    .sort((a, b) => b.total - a.total)
    .slice(0, 2);
  return { titles: top.map((area) => cell(area.title)).join(' and '), subtests: top.reduce((sum, area) => sum + area.total, 0) };
}

/** Per area, the files with expected failures and the reasons, largest first. */
function reasonSections(report: Report): string[] {
  const lines: string[] = [];
  for (const [name, area] of Object.entries(report.areas)) {
    const rows: string[] = [];
    for (const [id, file] of Object.entries(report.files)) {
      if (file.area !== name || file.reasons === undefined) continue;
      const reasons = Object.entries(file.reasons).sort(([, a], [, b]) => b - a);
      for (const [reason, count] of reasons) rows.push(`| ${cell(id)} | ${count} | ${cell(reason)} |`);
    }
    if (rows.length === 0) continue;
    lines.push(`<details>`, `<summary>${cell(area.title)}: ${fmt(area.expectedFailures)} expected failures</summary>`, '', '| File | Subtests | Why |', '|---|--:|---|', ...rows, '', '</details>', '');
  }
  return lines;
}

/** The whole page. Everything in it comes from `report` and `comparison`; nothing is typed by hand. */
export function renderMatrix(report: Report, comparison: Comparison): string {
  const t = report.totals;
  const sources = Object.entries(report.sources).map(
    ([name, source]) =>
      `- \`${name}\`: ${cell(source.wpt)} (${source.date}), pinned as ${source.repository}@${source.pinned.slice(0, 12)}` +
      (source.matchesPin ? '' : `; **this run used ${source.ran === 'unknown' ? 'a copy of unknown commit' : source.ran.slice(0, 12)}**`),
  );
  const perArea: string[] = [];
  for (const [name, area] of Object.entries(report.areas)) {
    const files = Object.entries(report.files).filter(([, file]) => file.area === name);
    perArea.push(`### ${cell(area.title)}`, '', `<details>`, `<summary>${files.length} files: ${fmt(area.passed)} / ${fmt(area.total)} subtests (${rate(area.passed, area.total)})</summary>`, '', ...fileTable(files), '', '</details>', '');
  }
  return [
    '---',
    'title: WinterCG compliance',
    'description: Web Platform Tests results of NANO for the WinterTC Minimum Common API, per area and per file.',
    '---',
    '',
    `{/* Generated from conformance/report.json by \`npm run conformance\` (or \`${REFRESH_COMMAND}\`). Do not edit by hand. */}`,
    '',
    `NANO runs the Web Platform Tests inside isolates built exactly like app isolates. **${fmt(t.passed)} of ${fmt(t.total)} subtests pass (${rate(t.passed, t.total)})** in ${t.filesRun} test files; ${t.filesSkipped} files are skipped, each with a reason.`,
    '',
    `Generated ${report.generatedAt.slice(0, 10)} from ${runtimeCell(report)} with Node ${report.node} in ${(report.wallTimeMs / 1000).toFixed(0)} s. WPT sources:`,
    '',
    ...sources,
    '',
    '## The badge',
    '',
    `The README's badge shows **${areaMeanPercent(report.areas).toFixed(1)}%**, the mean of the ${Object.values(report.areas).filter((a) => a.total > 0).length} areas' pass rates, each area counting once. Weighted by subtests the figure is **${rate(t.passed, t.total)}** (${fmt(t.passed)} of ${fmt(t.total)}). The badge does not weight by subtests because then the largest areas would decide it alone: ${largest(report).titles} hold ${rate(largest(report).subtests, t.total)} of all subtests, so an area with a few hundred subtests would hardly move it. Both figures are rounded down.`,
    '',
    '## By area',
    '',
    `NANO's expected failures are the subtests (plus whole files) its own \`wpt/expectations/\` lists. A runtime column marked *same files* was measured on exactly the files of this report (below). The *read* columns are counts taken from workerd's and Deno's own expectation files (read ${cell(comparison.read)}) for their own copies of WPT: they were not measured here and need not cover the same files.`,
    '',
    ...areaTable(report, comparison),
    '',
    '## Other runtimes on the same files',
    '',
    ...measuredSection(report, comparison, cell),
    '## Why the expected failures fail',
    '',
    'Each expected failure carries a reason in `wpt/expectations/`: `needs …` (what the test needs that the runner does not provide, such as a wptserve handler), `browser-only: …` (a browser feature outside a server runtime), `not implemented: …`, `bug: …` (a NANO defect), `upstream: …` (a dependency\'s or the pinned WPT\'s own behaviour), `by design: …` (a deliberate divergence) or `runner: …`. A file\'s own outcome (error, timeout) counts as one.',
    '',
    ...reasonSections(report),
    '## API surface',
    '',
    `${report.surface.present} of ${report.surface.total} interfaces and globals of the WinterTC Minimum Common API are present with the expected type.`,
    '',
    ...surfaceTable(report),
    '',
    '## Per file',
    '',
    `The last column lists what a file loaded over HTTP from the runner's own server, a small stand-in for WPT's wptserve: its result depends on that server. A file missing below a synced WPT path gets a 404 as under wptserve; a file that only exists in the full WPT tree, or a Python handler the runner does not implement, gets a reset connection (\`not available here\`), so a test cannot pass by consuming a made-up body. ${Object.values(report.files).filter((f) => f.fixtures !== undefined).length} files load from it.`,
    '',
    ...perArea,
  ].join('\n');
}

export function writeMatrix(file: string, report: Report, comparison: Comparison): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderMatrix(report, comparison));
}
