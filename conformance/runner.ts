// The conformance run from start to end: surface check, discovery, the pool, expectations, outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAreas, loadComparison, loadPin } from './config.js';
import { discoverArea } from './discover.js';
import * as exp from './expectations.js';
import { matchFiles } from './glob.js';
import { ISOLATE_KIND } from './isolate-factory.js';
import { runtimeVersion, writeOutputs, type OutputPaths } from './outputs.js';
import { runPool } from './pool.js';
import * as rep from './report.js';
import { runFile } from './run-file.js';
import { startStaticServer, type ServedRequest } from './static-server.js';
import { checkSurface, type SurfaceResult } from './surface.js';
import type { FileResult, FixtureUse, SkippedJob, TestJob } from './types.js';
import { locateWpt, testharnessPath, type WptLocation } from './wpt-location.js';

export interface RunnerOptions {
  /** Repository root (node_modules for testharness.js fallback). */
  readonly root: string;
  /** Folder with pin.json, areas.json, comparison.json and expectations/ (normally wpt/). */
  readonly dataDir: string;
  readonly wpt?: string | undefined;
  readonly wptEnv?: string | undefined;
  /** Only these areas (all when absent). */
  readonly areas?: readonly string[] | undefined;
  /** Only files whose id contains this text. */
  readonly filter?: string | undefined;
  readonly jobs: number;
  readonly timeoutMs: number;
  readonly updateExpectations: boolean;
  /** Where to write report, matrix, badge and README line; only honoured on a full run (no areas/filter). */
  readonly outputs?: OutputPaths | undefined;
  readonly verbose: boolean;
  readonly log: (line: string) => void;
}

export interface RunnerResult {
  readonly exitCode: number;
  readonly wptRan: boolean;
  readonly mismatches: readonly exp.Mismatch[];
  readonly surface: readonly SurfaceResult[];
  readonly results: ReadonlyMap<string, FileResult>;
  readonly report?: rep.Report;
}

const HOW_TO_GET_WPT = `No WPT copy found. Get one with either of:
  npm run wpt:sync                       (downloads the pinned commits; needs GitHub)
  npm run wpt:sync -- --from DIR [...]   (copies from a local WPT checkout)
or point the runner at a checkout with --wpt DIR or NANO_WPT_DIR=DIR.`;

/** Runs everything the options ask for; never throws for test failures, only for broken data files. */
export async function runConformance(options: RunnerOptions): Promise<RunnerResult> {
  const started = performance.now();
  const { log, dataDir } = options;
  const pin = loadPin(join(dataDir, 'pin.json'));
  const areas = loadAreas(join(dataDir, 'areas.json'), pin);
  // Read now so a broken data file stops the run before the tests, not after them.
  const comparison = options.outputs === undefined ? undefined : loadComparison(join(dataDir, 'comparison.json'));
  const mismatches: exp.Mismatch[] = [];

  // 1. The API surface, always: it needs no WPT files.
  const surfaceFile = join(dataDir, 'expectations', 'surface.json');
  const surface = await checkSurface();
  const surfaceExpected = exp.loadSurfaceExpectations(surfaceFile);
  mismatches.push(...exp.matchSurface(surface, surfaceExpected));
  const present = surface.filter((entry) => entry.ok).length;
  log(`API surface: ${present}/${surface.length} present with the right type (${ISOLATE_KIND})`);
  const missing = surface.filter((entry) => !entry.ok).map((entry) => entry.name);
  if (missing.length > 0) log(`  missing or mistyped: ${missing.join(', ')}`);
  if (options.updateExpectations) exp.saveSurfaceExpectations(surfaceFile, exp.surfaceExpectationsFor(surface, surfaceExpected));

  // 2. Which areas can run with the WPT files at hand.
  const location = locateWpt(pin, options.wpt, options.wptEnv, options.root);
  const unknown = (options.areas ?? []).filter((name) => areas.areas[name] === undefined);
  if (unknown.length > 0) throw new Error(`unknown area(s): ${unknown.join(', ')}; areas.json defines ${Object.keys(areas.areas).join(', ')}`);
  const selected = Object.entries(areas.areas).filter(([name]) => options.areas === undefined || options.areas.includes(name));
  const runnable = selected.filter(([, area]) => location.sources[area.source] !== undefined);
  if (runnable.length === 0) {
    log(`${HOW_TO_GET_WPT}\n(looked in ${location.dir}, from ${location.from})`);
    log('The WPT part did NOT run: only the API-surface check above ran.');
    return finish(options, mismatches, surface, new Map(), false);
  }
  for (const [name, area] of selected) {
    if (location.sources[area.source] === undefined) log(`area ${name}: no files of source ${area.source} in ${location.dir}; not run`);
  }
  reportSourceDrift(location, pin.sources, log);

  // 3. Discover jobs per area.
  const jobs: TestJob[] = [];
  const skipped: SkippedJob[] = [];
  const expectations = new Map<string, exp.AreaExpectations>();
  for (const [name, area] of runnable) {
    const source = location.sources[area.source];
    if (source === undefined) continue;
    const areaExpectations = exp.loadExpectations(join(dataDir, 'expectations', `${name}.json`));
    expectations.set(name, areaExpectations);
    const found = discoverArea(name, source.dir, matchFiles(source.dir, area.include, area.exclude), areaExpectations);
    const keep = (id: string): boolean => options.filter === undefined || id.includes(options.filter);
    jobs.push(...found.jobs.filter((job) => keep(job.id)));
    skipped.push(...found.skipped.filter((skip) => keep(skip.id)));
  }
  // Long files first, so the slowest work does not end up alone at the tail of the run.
  jobs.sort((a, b) => Number(b.meta.timeout === 'long') - Number(a.meta.timeout === 'long'));

  // 4. Run them, each file with its own static server (so what it loaded is its own) and the
  // testharness.js of its WPT root.
  const harnesses = new Map<string, string>();
  const syncedPaths = new Map<string, readonly string[]>();
  for (const [name, found] of Object.entries(location.sources)) syncedPaths.set(found.dir, pin.sources[name]?.paths ?? []);
  for (const job of jobs) {
    if (!harnesses.has(job.root)) harnesses.set(job.root, readFileSync(testharnessPath(job.root, options.root), 'utf8'));
  }
  log(`Running ${jobs.length} test files (${skipped.length} skipped), ${options.jobs} at a time...`);
  const results = new Map<string, FileResult>();
  await runPool(jobs, options.jobs, async (job) => {
    const testharness = harnesses.get(job.root);
    if (testharness === undefined) throw new Error('conformance: no testharness.js for this root');
    const paths = syncedPaths.get(job.root);
    const upstream = pin.wptTopLevel?.names;
    const server = await startStaticServer(job.root, { ...(paths === undefined ? {} : { paths }), ...(upstream === undefined ? {} : { upstream }) });
    try {
      const result = await runFile(job, {
        testharness,
        server: server.info,
        timeoutMs: options.timeoutMs,
        ...(options.verbose ? { onConsole: (level: string, text: string) => log(`  [${job.id}] console.${level}: ${text.slice(0, 300)}`) } : {}),
      });
      const fixtures = fixtureUse(server.requests);
      return fixtures === undefined ? result : { ...result, fixtures };
    } finally {
      await server.close();
    }
  }, (result, job) => {
    results.set(job.id, result);
    const found = exp.matchResult(job.id, result, expectations.get(job.area)?.[job.id]);
    mismatches.push(...found);
    if (options.verbose || found.length > 0) {
      const counts = rep.fileCounts(result);
      log(`${found.length > 0 ? '✗' : '✓'} ${job.id}: ${result.status} ${counts.passed}/${counts.total} (${result.durationMs} ms)`);
      for (const mismatch of found.slice(0, 5)) log(`    ${mismatch.kind}: ${mismatch.subtest === undefined ? '' : `${mismatch.subtest}: `}${mismatch.detail.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (found.length > 5) log(`    … and ${found.length - 5} more`);
    }
  });

  // 5. Expectation entries for files that no longer run (only a full, unfiltered area can tell).
  const fullRun = options.areas === undefined && options.filter === undefined;
  for (const [name, areaExpectations] of expectations) {
    if (options.filter !== undefined) continue;
    const known = new Set([...jobs, ...skipped].filter((job) => job.area === name).flatMap((job) => [job.id, job.id.replace(/\?.*$/, '')]));
    for (const id of Object.keys(areaExpectations)) {
      if (!known.has(id)) mismatches.push({ file: id, kind: 'stale', detail: 'expectations name a file that is not run' });
    }
  }
  if (options.updateExpectations) updateExpectations(dataDir, expectations, jobs, results, skipped, options.filter === undefined);

  // 6. Report, matrix, badge.
  const report = buildReport(options, location, pin.sources, areas.areas, expectations, jobs, results, skipped, surface, started);
  for (const [name, area] of Object.entries(report.areas)) {
    log(`${name}: ${area.filesRun} files run, ${area.passed}/${area.total} subtests passed (${rep.percent(area.passed, area.total)}%), ${area.filesSkipped} skipped`);
  }
  log(`All: ${report.totals.passed}/${report.totals.total} subtests (${report.totals.percent}%) in ${(report.wallTimeMs / 1000).toFixed(1)} s; mean of area pass rates (the badge): ${rep.areaMeanPercent(report.areas)}%`);
  if (options.outputs !== undefined && comparison !== undefined && fullRun) {
    rep.writeReport(options.outputs.report, report);
    writeOutputs(options.outputs, report, comparison);
    log('Wrote the report, the docs matrix, the badge and the README badge line.');
  } else if (options.outputs !== undefined) {
    log('Partial run (--area/--filter): report, matrix, badge and README were not written.');
  }
  return finish(options, mismatches, surface, results, true, report);
}

/** Ends the run: mismatches decide the exit status unless they were just written down. */
function finish(
  options: RunnerOptions,
  mismatches: exp.Mismatch[],
  surface: SurfaceResult[],
  results: Map<string, FileResult>,
  wptRan: boolean,
  report?: rep.Report,
): RunnerResult {
  if (mismatches.length > 0 && !options.updateExpectations) {
    const counts = new Map<string, number>();
    for (const mismatch of mismatches) counts.set(mismatch.kind, (counts.get(mismatch.kind) ?? 0) + 1);
    options.log(`FAILED: ${mismatches.length} results differ from the expectations (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}).`);
    options.log('Fix the runtime, or record a deliberate change with --update-expectations.');
  } else if (options.updateExpectations) {
    options.log(`Expectations rewritten (${mismatches.length} differences recorded).`);
  }
  const exitCode = mismatches.length > 0 && !options.updateExpectations ? 1 : 0;
  return { exitCode, wptRan, mismatches, surface, results, ...(report === undefined ? {} : { report }) };
}

/** A file's requests to its server as sorted distinct paths per outcome; undefined when it made none. */
function fixtureUse(requests: readonly ServedRequest[]): FixtureUse | undefined {
  if (requests.length === 0) return undefined;
  const of = (...kinds: ServedRequest['kind'][]): string[] => [...new Set(requests.filter((r) => kinds.includes(r.kind)).map((r) => r.path))].sort();
  return { served: of('file', 'handler'), missing: of('missing'), unavailable: of('unavailable') };
}

/** Says when the files run are not the pinned commit, as the report records. */
function reportSourceDrift(location: WptLocation, sources: Record<string, { commit: string }>, log: (line: string) => void): void {
  for (const [name, found] of Object.entries(location.sources)) {
    if (!found.matchesPin) log(`note: source ${name} in ${found.dir} is at ${found.commit}, not the pinned ${sources[name]?.commit ?? '?'}`);
  }
}

/** Rewrites each run area's expectations so that this run would match them exactly. */
function updateExpectations(
  dataDir: string,
  expectations: Map<string, exp.AreaExpectations>,
  jobs: readonly TestJob[],
  results: ReadonlyMap<string, FileResult>,
  skipped: readonly SkippedJob[],
  dropStale: boolean,
): void {
  for (const [name, previous] of expectations) {
    const next: exp.AreaExpectations = { ...previous };
    const areaJobs = jobs.filter((job) => job.area === name);
    if (dropStale) {
      const known = new Set([...areaJobs, ...skipped.filter((s) => s.area === name)].flatMap((job) => [job.id, job.id.replace(/\?.*$/, '')]));
      for (const id of Object.keys(next)) if (!known.has(id)) delete next[id];
    }
    for (const job of areaJobs) {
      const result = results.get(job.id);
      if (result === undefined) continue;
      const entry = exp.expectationFor(result, previous[job.id]);
      if (entry === undefined) delete next[job.id];
      else next[job.id] = entry;
    }
    exp.saveExpectations(join(dataDir, 'expectations', `${name}.json`), next);
  }
}

/** Assembles report.json's content from the run. */
function buildReport(
  options: RunnerOptions,
  location: WptLocation,
  sources: Record<string, { repository: string; commit: string; wpt: string; date: string }>,
  areas: Record<string, { title: string; source: string }>,
  expectations: Map<string, exp.AreaExpectations>,
  jobs: readonly TestJob[],
  results: ReadonlyMap<string, FileResult>,
  skipped: readonly SkippedJob[],
  surface: readonly SurfaceResult[],
  started: number,
): rep.Report {
  const files: Record<string, rep.FileReport> = {};
  const ordered = [...jobs].sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const job of ordered) {
    const result = results.get(job.id);
    const expected = expectations.get(job.area)?.[job.id];
    if (result !== undefined) files[job.id] = rep.fileReport(job, result, expected === undefined || 'skip' in expected ? undefined : rep.reasonCounts(expected));
  }
  for (const skip of skipped) files[skip.id] = rep.skippedReport(skip);
  const sortedFiles = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));

  const areaReports: Record<string, rep.AreaReport> = {};
  for (const [name, areaExpectations] of expectations) {
    const area = areas[name];
    if (area === undefined) continue;
    const expectedFailures = Object.values(areaExpectations).reduce(
      (sum, entry) => sum + ('fail' in entry ? Object.keys(entry.fail ?? {}).length : 0) + ('harness' in entry && entry.harness !== undefined ? 1 : 0),
      0,
    );
    areaReports[name] = rep.summarizeArea({ title: area.title, source: area.source, expectedFailures }, Object.values(files).filter((file) => file.area === name));
  }
  const all = Object.values(areaReports);
  const passed = all.reduce((sum, area) => sum + area.passed, 0);
  const total = all.reduce((sum, area) => sum + area.total, 0);

  const sourceReports: Record<string, rep.SourceReport> = {};
  for (const [name, found] of Object.entries(location.sources)) {
    const source = sources[name];
    if (source === undefined || ![...expectations.keys()].some((area) => areas[area]?.source === name)) continue;
    sourceReports[name] = { repository: source.repository, pinned: source.commit, wpt: source.wpt, date: source.date, ran: found.commit, matchesPin: found.matchesPin };
  }
  return {
    generatedBy: 'npm run conformance',
    generatedAt: new Date().toISOString(),
    runtime: runtimeVersion(options.root),
    isolate: ISOLATE_KIND,
    node: process.version,
    wallTimeMs: Math.round(performance.now() - started),
    sources: sourceReports,
    surface: { present: surface.filter((entry) => entry.ok).length, total: surface.length, entries: surface },
    totals: {
      filesRun: all.reduce((sum, area) => sum + area.filesRun, 0),
      filesSkipped: all.reduce((sum, area) => sum + area.filesSkipped, 0),
      passed,
      total,
      percent: rep.percent(passed, total),
    },
    areas: areaReports,
    files: sortedFiles,
  };
}
