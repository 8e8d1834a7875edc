// The published files (docs matrix, badge, README line) stay true to the committed report.json.
import t from 'tap';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadComparison } from '../../conformance/config.js';
import { outputPaths, readReport, REFRESH_COMMAND, staleOutputs, totalsDifference, withReadmeBadge, writeOutputs } from '../../conformance/outputs.js';
import { renderMatrix } from '../../conformance/matrix.js';
import type { Report } from '../../conformance/report.js';
import { ROOT } from './helpers.js';

const comparison = loadComparison(join(ROOT, 'wpt', 'comparison.json'));

t.test('the committed matrix, badge and README line are what the committed report gives', async (t) => {
  const stale = staleOutputs(ROOT, outputPaths(ROOT), comparison);
  t.same(stale, [], `out of date: ${stale.join(', ')}; run \`${REFRESH_COMMAND}\` and commit the result`);
});

t.test('a drifted output is named, and the refresh rewrites it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nano-outputs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const real = outputPaths(ROOT);
  const paths = outputPaths(dir);
  for (const key of ['report', 'matrix', 'badge', 'readme'] as const) {
    mkdirSync(dirname(paths[key]), { recursive: true });
    cpSync(real[key], paths[key]);
  }
  writeOutputs(paths, readReport(paths.report), comparison);
  t.same(staleOutputs(dir, paths, comparison), []);
  writeFileSync(paths.badge, readFileSync(paths.badge, 'utf8').replace(/\d+%/g, '12%'));
  t.same(staleOutputs(dir, paths, comparison), ['conformance/badge.svg']);
  const report = readReport(paths.report);
  writeFileSync(paths.report, JSON.stringify({ ...report, runtime: { commit: 'f'.repeat(40), modified: true } }));
  t.same(staleOutputs(dir, paths, comparison).sort(), ['README.md', 'conformance/badge.svg', 'docs/src/content/docs/reference/wintercg.mdx']);
  writeOutputs(paths, readReport(paths.report), comparison);
  t.same(staleOutputs(dir, paths, comparison), []);
  t.match(readFileSync(paths.readme, 'utf8'), /badge\.svg\) mean of the area pass rates; [\d.]+% of [\d,]+ subtests; runtime ffffffffff with uncommitted changes/);
});

t.test('the matrix names the runtime commit and explains the badge next to the subtest-weighted figure', async (t) => {
  const report = readReport(outputPaths(ROOT).report);
  const page = renderMatrix({ ...report, runtime: { commit: 'abcdef0123456789', modified: false } }, comparison);
  t.match(page, /from NANO `abcdef0123`/);
  t.match(page, /## The badge\n\nThe README's badge shows \*\*[\d.]+%\*\*, the mean of the \d+ areas' pass rates/);
  t.match(page, new RegExp(`Weighted by subtests the figure is \\*\\*${report.totals.percent.toFixed(1)}%\\*\\*`));
});

t.test('the README block is replaced in place, and a README without one is refused', async (t) => {
  const readme = '# x\n\n![WinterCG conformance](conformance/badge.svg)\n\nmore\n';
  const once = withReadmeBadge(readme, '<!-- wintercg-badge: generated from conformance/report.json -->\nA\n<!-- /wintercg-badge -->');
  t.equal(withReadmeBadge(once, '<!-- wintercg-badge: generated from conformance/report.json -->\nB\n<!-- /wintercg-badge -->'), once.replace('\nA\n', '\nB\n'));
  t.ok(once.endsWith('\n\nmore\n'));
  t.throws(() => withReadmeBadge('# no badge\n', 'x'), /no WinterCG badge line/);
});

t.test('a fresh run that differs from the committed report is reported per area and per file', async (t) => {
  const area = { title: 'A', source: 's', expectedFailures: 0, filesRun: 2, filesPassed: 1, filesSkipped: 0, passed: 5, total: 6 };
  const file = { area: 'a', status: 'OK' as const, passed: 3, total: 3 };
  const committed = { areas: { a: area, b: area }, files: { 'a/x.js': file, 'a/y.js': { ...file, passed: 2 } } } as unknown as Report;
  t.same(totalsDifference(committed, committed), []);
  const fresh = { areas: { a: { ...area, passed: 4 } }, files: { 'a/x.js': file, 'a/y.js': { ...file, passed: 1 } } } as unknown as Report;
  t.same(totalsDifference(committed, fresh), ['a: committed 5/6 in 2 files, this run 4/6 in 2 files', '  a/y.js: 2/3 -> 1/3'], 'area b did not run and is not compared');
});
