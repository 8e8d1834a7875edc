// The whole run on the fixture tree: exit status both ways, --update-expectations, outputs, no-WPT mode.
import { isolateTeardownGrace } from '../../src/isolates/runtime-isolate.js';
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AreaExpectations } from '../../conformance/expectations.js';
import { areaMeanPercent, type Report } from '../../conformance/report.js';
import { runConformance, type RunnerOptions } from '../../conformance/runner.js';
import { checkSurface } from '../../conformance/surface.js';
import { ROOT, TREE, tempData } from './helpers.js';

const data = tempData();
const out = mkdtempSync(join(tmpdir(), 'nano-wpt-out-'));
t.teardown(async () => {
  data.cleanup();
  rmSync(out, { recursive: true, force: true });
  // Fixtures loop and exhaust memory: let isolated-vm finish tearing those isolates down.
  await isolateTeardownGrace();
});

// The surface expectations follow whatever the runtime has today, so this test does not break
// each time an API lands; surface matching itself is tested in expectations.test.ts.
const missing = (await checkSurface()).filter((entry) => !entry.ok);
writeFileSync(join(data.dir, 'expectations', 'surface.json'), JSON.stringify(Object.fromEntries(missing.map((e) => [e.name, 'not yet']))));

writeFileSync(join(out, 'README.md'), '# fixture\n\n![WinterCG conformance](conformance/badge.svg)\n');

const expectationsFile = join(data.dir, 'expectations', 'fixtures.json');
const readExpectations = (): AreaExpectations => JSON.parse(readFileSync(expectationsFile, 'utf8')) as AreaExpectations;

function options(extra: Partial<RunnerOptions> = {}): RunnerOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    root: ROOT,
    dataDir: data.dir,
    wpt: TREE,
    jobs: 2,
    timeoutMs: 1500,
    updateExpectations: false,
    outputs: { report: join(out, 'report.json'), matrix: join(out, 'wintercg.mdx'), badge: join(out, 'badge.svg'), readme: join(out, 'README.md') },
    verbose: false,
    log: (line) => lines.push(line),
    lines,
    ...extra,
  };
}

t.test('with true expectations the run passes and writes report, matrix and badge', async (t) => {
  const opts = options();
  const result = await runConformance(opts);
  t.same(result.mismatches, [], opts.lines.join('\n'));
  t.equal(result.exitCode, 0);
  t.equal(result.wptRan, true);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
  t.equal(report.areas.fixtures?.filesSkipped, 2);
  t.equal(report.areas.fixtures?.filesRun, 14);
  t.match(report.files['fixtures/timeout/long-timer-callback.any.js'], { status: 'OK', passed: 1, total: 1 }, 'a long host-started entry is not cut at an app budget');
  t.equal(report.files['fixtures/skip/skipped.any.js']?.status, 'SKIP');
  t.equal(report.files['fixtures/timeout/never-finishes.any.js']?.status, 'TIMEOUT');
  t.equal(report.files['fixtures/crash/out-of-memory.any.js']?.status, 'CRASH');
  t.equal(report.surface.total, 54);
  const server = report.files['fixtures/server/missing-resource.any.js'];
  t.match(server, { status: 'OK', passed: 2, total: 4 }, 'a resource the tree lacks never passes as data');
  t.same(server?.fixtures, {
    served: ['/fixtures/server/resources/data.txt'],
    missing: ['/fixtures/server/resources/not-in-wpt-either.txt'],
    unavailable: ['/fixtures/server/resources/unhandled.py', '/media/not-in-this-tree.txt'],
  }, 'the report records what the file loaded from the runner');
  t.equal(report.files['fixtures/expect/passes.any.js']?.fixtures, undefined, 'a file that loads nothing records nothing');
  t.match(report.runtime, { commit: /^[0-9a-f]{40}$/, modified: Boolean }, 'the report names the runtime commit it measured');
  t.match(readFileSync(join(out, 'README.md'), 'utf8'), new RegExp(`runtime ${report.runtime?.commit.slice(0, 10) ?? '-'}`));
  const matrix = readFileSync(join(out, 'wintercg.mdx'), 'utf8');
  t.match(matrix, /^---\ntitle: WinterCG compliance/);
  t.match(matrix, /\| Runner fixtures \|/);
  t.match(matrix, /## API surface/);
  t.match(matrix, /\| 3 \(1\/2 files\) \|/, 'peer figures from comparison.json');
  t.match(matrix, /\| Other 1\.0, same files \| workerd expected failures \(read\) \|/, 'a measured runtime has its own column, apart from the read counts');
  t.match(matrix, /\| 25\.0% \| 3 \(1\/2 files\) \|/, 'its measured rate per area');
  t.match(matrix, /\| Other 1\.0 \| 1 \/ 4 \| 25\.0% \| 25\.0% \|/, 'its totals beside NANO\'s');
  t.match(matrix, /not the commits of this report/, 'measured on other commits: the page says so');
  t.match(readFileSync(join(out, 'badge.svg'), 'utf8'), new RegExp(`WinterCG: ${Math.floor(areaMeanPercent(report.areas))}%`), 'the badge shows the mean of the area pass rates');
});

t.test('an unexpected pass and an unexpected failure both fail the run', async (t) => {
  const expectations = readExpectations();
  expectations['fixtures/expect/passes.any.js'] = { fail: { 'first passing subtest': 'runner: pretend it fails' } };
  delete expectations['fixtures/async/promise-test.any.js'];
  writeFileSync(expectationsFile, JSON.stringify(expectations));
  const opts = options({ outputs: undefined });
  const result = await runConformance(opts);
  t.equal(result.exitCode, 1);
  t.same(
    result.mismatches.map((m) => [m.kind, m.file, m.subtest]).sort(),
    [
      ['unexpected-fail', 'fixtures/async/promise-test.any.js', 'a rejecting promise_test fails'],
      ['unexpected-pass', 'fixtures/expect/passes.any.js', 'first passing subtest'],
    ],
  );
  t.ok(opts.lines.some((line) => line.startsWith('FAILED: 2 results differ')));
});

t.test('--update-expectations rewrites them so the next run passes', async (t) => {
  const updated = await runConformance(options({ updateExpectations: true, outputs: undefined }));
  t.equal(updated.exitCode, 0);
  const expectations = readExpectations();
  t.equal(expectations['fixtures/expect/passes.any.js'], undefined, 'the entry for a passing file is gone');
  t.match(expectations['fixtures/async/promise-test.any.js'], { fail: { 'a rejecting promise_test fails': /^observed: FAIL: .*deliberate/ } });
  t.same(expectations['fixtures/skip/skipped.any.js'], { skip: 'shows that a skipped file never runs' }, 'skips are kept');
  const again = await runConformance(options({ outputs: undefined }));
  t.same(again.mismatches, []);
  t.equal(again.exitCode, 0);
});

t.test('stale entries for files that do not exist fail a full run', async (t) => {
  const expectations = readExpectations();
  expectations['fixtures/removed.any.js'] = { harness: 'upstream: file was deleted' };
  writeFileSync(expectationsFile, JSON.stringify(expectations));
  const result = await runConformance(options({ outputs: undefined, filter: undefined }));
  t.same(result.mismatches.map((m) => [m.kind, m.file]), [['stale', 'fixtures/removed.any.js']]);
  delete expectations['fixtures/removed.any.js'];
  writeFileSync(expectationsFile, JSON.stringify(expectations));
});

t.test('without a WPT copy only the surface check runs, and the run says so', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'nano-no-wpt-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  const report = join(empty, 'report.json');
  const opts = options({ wpt: empty, outputs: { report, matrix: join(empty, 'm.mdx'), badge: join(empty, 'b.svg'), readme: join(empty, 'README.md') } });
  const result = await runConformance(opts);
  t.equal(result.exitCode, 0);
  t.equal(result.wptRan, false);
  t.ok(opts.lines.some((line) => line.includes('npm run wpt:sync')), 'says how to get WPT');
  t.ok(opts.lines.some((line) => line.includes('did NOT run')));
  t.notOk(existsSync(report), 'no report from a run without WPT');
});
