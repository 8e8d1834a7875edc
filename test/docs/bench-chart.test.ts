// The performance page's chart data: a bench run's figures replace only the benches it ran, the
// committed figures stay when there is no run, and the chart draws one pair of bars per figure.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, tempTree } from '../helpers/serve.js';

interface BenchModule {
  BENCH_DATA: string;
  PERFORMANCE_PAGE: string;
  benchData(root: string, opts?: { fromResults?: boolean }): { benches: Record<string, Record<string, unknown>> };
  renderChart(rows: { label: string; unit: string; nano: number; bare: number }[]): string;
  renderPerformancePage(root: string, data: unknown): string;
}
const bench = (await import(pathToFileURL(join(ROOT, 'scripts/docs/bench.mjs')).href)) as BenchModule;

const committed = {
  benches: {
    hello: { when: '2026-01-01T00:00:00.000Z', node: 'v24.0.0', tool: 'wrk', nanoRps: 100, bareRps: 200, nanoP99ms: 2, bareP99ms: 1 },
    cpuParallel: { when: '2026-01-01T00:00:00.000Z', node: 'v24.0.0', oneAppRps: 10, twoAppsRps: 19, ratio: 1.9 },
  },
};
const run = { when: '2026-02-02T00:00:00.000Z', node: 'v24.1.0', benches: { hello: { tool: 'wrk', nanoRps: 150, bareRps: 160, nanoP99ms: 3, bareP99ms: 2, runs: { nano: [1], bare: [2] } } } };

t.test('a partial run replaces only its benches; without a run the committed figures stay', async (t) => {
  const root = tempTree({ [bench.BENCH_DATA]: JSON.stringify(committed), 'bench-results/latest.json': JSON.stringify(run) });
  const merged = bench.benchData(root);
  t.equal(merged.benches.hello?.nanoRps, 150, 'hello from the run');
  t.equal(merged.benches.hello?.when, run.when, 'with the run\'s time');
  t.notOk('runs' in (merged.benches.hello ?? {}), 'per-run arrays are dropped');
  t.same(merged.benches.cpuParallel, committed.benches.cpuParallel, 'a bench the run did not do keeps its committed figures');
  t.same(bench.benchData(root, { fromResults: false }), committed, 'fromResults: false reads only the committed file');
  const bare = tempTree({ [bench.BENCH_DATA]: JSON.stringify(committed) });
  t.same(bench.benchData(bare), committed, 'no latest.json: the committed figures');
});

t.test('the chart has a pair of bars per row, scaled to the larger value', async (t) => {
  const svg = bench.renderChart([
    { label: 'a', unit: 'req/s', nano: 50, bare: 100 },
    { label: 'b <c>', unit: 'MB/s', nano: 300, bare: 150 },
  ]);
  t.match(svg, /^<svg [^>]*viewBox=/, 'an inline SVG');
  t.equal((svg.match(/<rect /g) ?? []).length, 2 + 4, 'two legend boxes and two bars per row');
  t.match(svg, /0\.50× bare/);
  t.match(svg, /2\.00× bare/);
  t.match(svg, /b &lt;c>/, 'labels are escaped');
  t.notMatch(svg, /\n\s*\n/, 'no blank line, which would end the HTML block in Markdown');
  t.notMatch(svg, /https?:\/\/(?!www\.w3\.org)/, 'no remote assets');
});

t.test('the committed performance page shows the committed figures', async (t) => {
  const page = readFileSync(join(ROOT, bench.PERFORMANCE_PAGE), 'utf8');
  const data = bench.benchData(ROOT, { fromResults: false });
  t.equal(page, bench.renderPerformancePage(ROOT, data), 'page is current (npm run docs:gen)');
  t.ok(data.benches.hello !== undefined, 'the committed data has the hello bench');
  t.match(page, /npm run bench/, 'the command that reproduces the figures');
  t.match(page, /bare node:http/);
});
