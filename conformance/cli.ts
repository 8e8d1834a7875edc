// `npm run conformance`: parses arguments and runs the conformance suite; all the work is in runner.ts.
import { isolateTeardownGrace } from '../src/isolates/runtime-isolate.js';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadComparison } from './config.js';
import { outputPaths, readReport, REFRESH_COMMAND, staleOutputs, totalsDifference, writeOutputs } from './outputs.js';
import { runConformance } from './runner.js';
import { repoRoot } from './wpt-location.js';

const USAGE = `Usage: npm run conformance -- [options]

  --wpt DIR               WPT files to run (default: $NANO_WPT_DIR, then wpt/suite/)
  --area NAME             run only this area (repeatable); outputs are then not written
  --filter TEXT           run only files whose path contains TEXT; outputs are then not written
  --update-expectations   rewrite wpt/expectations/*.json to match this run
  --jobs N                test files in parallel (default 2)
  --timeout MS            per-file timeout before the harness is told to time out (default 10000;
                          files with META timeout=long get three times as much)
  --no-outputs            do not write conformance/report.json, the docs matrix, the badge or README.md
  --outputs-only          run no test: rewrite the docs matrix, the badge and the README badge line
                          from the committed conformance/report.json
  --check-outputs         run no test: fail when the docs matrix, the badge or the README badge line
                          differ from what the committed conformance/report.json gives (CI)
  --check-report          a full run that writes nothing and fails when its figures differ from the
                          committed conformance/report.json, printing the difference per area (CI)
  --verbose               print every file and the tests' console output
  --help                  this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      wpt: { type: 'string' },
      area: { type: 'string', multiple: true },
      filter: { type: 'string' },
      'update-expectations': { type: 'boolean', default: false },
      jobs: { type: 'string', default: '2' },
      timeout: { type: 'string', default: '10000' },
      'no-outputs': { type: 'boolean', default: false },
      'outputs-only': { type: 'boolean', default: false },
      'check-outputs': { type: 'boolean', default: false },
      'check-report': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const jobs = Number(values.jobs);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a positive integer, got ${values.jobs}`);
  if (!Number.isFinite(timeoutMs) || timeoutMs < 100) throw new Error(`--timeout must be at least 100 ms, got ${values.timeout}`);

  const root = repoRoot();
  const paths = outputPaths(root);
  if (values['outputs-only'] || values['check-outputs']) {
    const comparison = loadComparison(join(root, 'wpt', 'comparison.json'));
    if (values['outputs-only']) {
      writeOutputs(paths, readReport(paths.report), comparison);
      console.log('Rewrote the docs matrix, the badge and the README badge line from conformance/report.json.');
      return 0;
    }
    const stale = staleOutputs(root, paths, comparison);
    if (stale.length === 0) {
      console.log('conformance outputs: the docs matrix, the badge and the README line match conformance/report.json');
      return 0;
    }
    console.log(`conformance outputs: ${stale.join(', ')} differ from what conformance/report.json gives; run \`${REFRESH_COMMAND}\` and commit the result`);
    return 1;
  }
  const checkReport = values['check-report'];
  if (checkReport && (values.area !== undefined || values.filter !== undefined)) throw new Error('--check-report compares a full run; it cannot be combined with --area or --filter');
  const result = await runConformance({
    root,
    dataDir: join(root, 'wpt'),
    wpt: values.wpt,
    wptEnv: process.env.NANO_WPT_DIR,
    areas: values.area,
    filter: values.filter,
    jobs,
    timeoutMs,
    updateExpectations: values['update-expectations'],
    outputs: values['no-outputs'] || checkReport ? undefined : paths,
    verbose: values.verbose,
    log: (line) => console.log(line),
  });
  if (!checkReport) return result.exitCode;
  if (!result.wptRan || result.report === undefined) {
    console.log('--check-report: no WPT copy, so there is nothing to compare with the committed report');
    return result.exitCode;
  }
  const difference = totalsDifference(readReport(paths.report), result.report);
  if (difference.length === 0) {
    console.log('--check-report: every area and file has the committed report\'s counts');
    return result.exitCode;
  }
  console.log(`--check-report: this run differs from the committed conformance/report.json:\n${difference.join('\n')}`);
  console.log('Run `npm run conformance` and commit the report, matrix, badge and README with the change that moved them.');
  return 1;
}

main().then(
  async (code) => {
    await isolateTeardownGrace();
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
