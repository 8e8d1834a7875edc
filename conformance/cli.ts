// `npm run conformance`: parses arguments and runs the conformance suite; all the work is in runner.ts.
import { isolateTeardownGrace } from '../src/isolates/runtime-isolate.js';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
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
  --no-outputs            do not write conformance/report.json, the docs matrix or the badge
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
    outputs: values['no-outputs']
      ? undefined
      : {
          report: join(root, 'conformance', 'report.json'),
          matrix: join(root, 'docs', 'src', 'content', 'docs', 'reference', 'wintercg.mdx'),
          badge: join(root, 'conformance', 'badge.svg'),
        },
    verbose: values.verbose,
    log: (line) => console.log(line),
  });
  return result.exitCode;
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
