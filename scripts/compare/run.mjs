// `node scripts/compare/run.mjs`: runs NANO's conformance files under other runtimes (Deno, Node) with one harness, for the docs matrix's comparison columns.
//
//   node scripts/compare/run.mjs --runtime deno=/path/to/deno --runtime node=/path/to/node
//        [--area NAME]… [--filter TEXT] [--jobs N] [--timeout MS] [--out FILE] [--record]
//
// --out writes every file's result; --record (full runs only) writes the per-area counts into
// wpt/comparison.json's `measured`, which the docs matrix shows beside NANO's figures.
//
// The files are exactly those `npm run conformance` runs (wpt/areas.json, the same skips), from
// the same wpt/suite/ copy, each served by the conformance runner's own static server (a missing
// fixture is a 404 or a reset connection, never data) and wrapped in its prelude and reporter.
// Each file runs in a fresh child process of the runtime; Deno gets `--location` set to the
// test's URL, Node has no such option (the prelude's `location` object is all it gets).
// Counting follows conformance/report.ts: a file that does not end OK counts one more subtest.
// Needs `npm run build` first (it imports dist/conformance/).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadAreas, loadPin } from '../../dist/conformance/config.js';
import { discoverArea } from '../../dist/conformance/discover.js';
import { loadExpectations } from '../../dist/conformance/expectations.js';
import { matchFiles } from '../../dist/conformance/glob.js';
import { resolveScriptPath, unalias } from '../../dist/conformance/meta.js';
import { fileCounts, percent } from '../../dist/conformance/report.js';
import { testUrl } from '../../dist/conformance/run-file.js';
import { startStaticServer } from '../../dist/conformance/static-server.js';
import { needsSubstitution, substitute } from '../../dist/conformance/substitute.js';
import { locateWpt, testharnessPath } from '../../dist/conformance/wpt-location.js';
import { childScript } from './child.mjs';
import { collect } from './collect.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    runtime: { type: 'string', multiple: true, default: [] },
    area: { type: 'string', multiple: true },
    filter: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '10000' },
    out: { type: 'string' },
    record: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || values.runtime.length === 0) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0].replace(/^\/\/ ?/gm, ''));
  process.exit(values.help ? 0 : 1);
}
const runtimes = values.runtime.map((spec) => {
  const [name, bin] = spec.split('=');
  if (!['deno', 'node'].includes(name) || !bin || !existsSync(bin)) throw new Error(`--runtime ${spec}: expected deno=PATH or node=PATH to an existing binary`);
  return { name, bin };
});
if (values.record && (values.area !== undefined || values.filter !== undefined)) throw new Error('--record needs a full run (no --area, no --filter)');
const timeoutMs = Number(values.timeout);
const GRACE_MS = 2000;

const dataDir = join(root, 'wpt');
const pin = loadPin(join(dataDir, 'pin.json'));
const areas = loadAreas(join(dataDir, 'areas.json'), pin);
const location = locateWpt(pin, undefined, process.env.NANO_WPT_DIR, root);
const jobs = [];
for (const [name, area] of Object.entries(areas.areas)) {
  if (values.area !== undefined && !values.area.includes(name)) continue;
  const source = location.sources[area.source];
  if (source === undefined) throw new Error(`area ${name}: no synced source ${area.source}; run npm run wpt:sync`);
  const found = discoverArea(name, source.dir, matchFiles(source.dir, area.include, area.exclude), loadExpectations(join(dataDir, 'expectations', `${name}.json`)));
  jobs.push(...found.jobs.filter((job) => values.filter === undefined || job.id.includes(values.filter)));
}
const syncedPaths = new Map(Object.entries(location.sources).map(([name, found]) => [found.dir, pin.sources[name]?.paths ?? []]));
const harnesses = new Map();
for (const job of jobs) if (!harnesses.has(job.root)) harnesses.set(job.root, readFileSync(testharnessPath(job.root, root), 'utf8'));

/** The META scripts and the test itself, as [name, source] pairs, plus a load error for a missing script. */
function scriptsOf(job, server, url) {
  const load = (path) => {
    const text = readFileSync(join(job.root, path), 'utf8');
    return needsSubstitution(path) ? substitute(text, server.info, new URL(`/${path}`, url)) : text;
  };
  const scripts = [];
  let loadError;
  for (const script of job.meta.scripts) {
    const resolved = resolveScriptPath(job.path, script);
    const path = resolved === null ? null : unalias(resolved);
    if (path === null || !existsSync(join(job.root, path))) loadError ??= `META script ${script} not found`;
    else scripts.push([`/${path}`, load(path)]);
  }
  scripts.push([`/${job.path}`, load(job.path)]);
  return { scripts, loadError };
}

/** For `.worker.js` files: the scripts they name in importScripts(...), by URL path. */
function importable(job) {
  const source = readFileSync(join(job.root, job.path), 'utf8');
  const found = {};
  for (const call of source.matchAll(/importScripts\(([^)]*)\)/g)) {
    for (const literal of (call[1] ?? '').matchAll(/["']([^"']+)["']/g)) {
      const path = resolveScriptPath(job.path, literal[1] ?? '');
      if (path !== null && existsSync(join(job.root, path))) found[`/${path}`] = readFileSync(join(job.root, path), 'utf8');
    }
  }
  return found;
}

/** Runs one file in a fresh child of `runtime`; resolves to a FileResult like the conformance runner's. */
async function runOne(runtime, job, work) {
  const paths = syncedPaths.get(job.root);
  const server = await startStaticServer(job.root, { paths, upstream: pin.wptTopLevel?.names });
  try {
    const url = testUrl(job, server.info);
    const nonce = randomBytes(8).toString('hex');
    const marker = `\u0001CMP-WPT-${nonce}:`;
    const { scripts, loadError } = scriptsOf(job, server, url);
    const limit = timeoutMs * (job.meta.timeout === 'long' ? 3 : 1);
    const file = join(work, `${nonce}.mjs`);
    writeFileSync(file, childScript({
      url: url.href, scope: job.scope, title: job.meta.title, importable: job.selfContained ? importable(job) : undefined,
      testharness: harnesses.get(job.root), scripts, marker, nonce, selfContained: job.selfContained, timeoutMs: limit,
    }));
    const args = runtime.name === 'deno' ? ['run', '-A', '--quiet', '--no-config', `--location=${url.href}`, file] : ['--no-warnings', file];
    const child = spawn(runtime.bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    const result = await collect(child, { marker, port: server.info.port, deadlineMs: limit + GRACE_MS });
    rmSync(file, { force: true });
    if (loadError === undefined) return result;
    return { ...result, status: result.status === 'OK' ? 'ERROR' : result.status, message: loadError };
  } finally {
    await server.close();
  }
}

const work = mkdtempSync(join(tmpdir(), 'nano-compare-'));
const summary = { harness: 'scripts/compare/run.mjs', sources: Object.fromEntries(Object.entries(location.sources).map(([name, found]) => [name, found.commit])), runtimes: {} };
try {
  for (const runtime of runtimes) {
    const version = await new Promise((resolve) => {
      const child = spawn(runtime.bin, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.on('close', () => resolve(text.split('\n')[0].trim()));
    });
    const perArea = {};
    const files = {};
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        const result = await runOne(runtime, job, work);
        const counts = fileCounts(result);
        const failing = result.subtests.filter((subtest) => subtest.status !== 'PASS').map((subtest) => `${subtest.name}: ${subtest.status} ${(subtest.message ?? '').slice(0, 200)}`);
        files[job.id] = { status: result.status, ...counts, ...(result.message === undefined ? {} : { message: result.message.slice(0, 300) }), ...(failing.length === 0 ? {} : { failing: failing.slice(0, 50) }) };
        const area = (perArea[job.area] ??= { filesRun: 0, passed: 0, total: 0 });
        area.filesRun++;
        area.passed += counts.passed;
        area.total += counts.total;
      }
    };
    await Promise.all(Array.from({ length: Number(values.jobs) }, worker));
    const passed = Object.values(perArea).reduce((sum, area) => sum + area.passed, 0);
    const total = Object.values(perArea).reduce((sum, area) => sum + area.total, 0);
    for (const area of Object.values(perArea)) area.percent = percent(area.passed, area.total);
    summary.runtimes[runtime.name] = { version, wallTimeMs: Math.round(performance.now() - started), passed, total, percent: percent(passed, total), areas: perArea, files };
    console.log(`${runtime.name} (${version}): ${passed}/${total} (${percent(passed, total)}%) in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    for (const [name, area] of Object.entries(perArea)) console.log(`  ${name}: ${area.passed}/${area.total} (${area.percent}%), ${area.filesRun} files`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(summary, null, 2)}\n`);
if (values.record) record(summary);

/** Writes the measured counts into wpt/comparison.json (the rest of the file stays as it is). */
function record(result) {
  const file = join(dataDir, 'comparison.json');
  const comparison = JSON.parse(readFileSync(file, 'utf8'));
  const label = (name, version) => (name === 'deno' ? `Deno ${version.split(' ')[1]}` : `Node ${version.replace(/^v/, '')}`);
  comparison.measured = {
    how: 'each runtime ran every file npm run conformance runs (the same wpt/suite copy and skips) in a fresh process, with the conformance runner\'s own static server, prelude and reporter around testharness.js (Deno with --location set to the test URL; Node has no such option), counted as the report counts (a file that does not end OK adds one; a file that stops early counts only the subtests it reported, so totals differ between runtimes).',
    command: `node scripts/compare/run.mjs ${runtimes.map((r) => `--runtime ${r.name}=…`).join(' ')} --record (jobs ${values.jobs}, timeout ${timeoutMs} ms)`,
    date: new Date().toISOString().slice(0, 10),
    sources: result.sources,
    runtimes: Object.entries(result.runtimes).map(([name, r]) => ({
      runtime: label(name, r.version),
      all: { passed: r.passed, total: r.total },
      areas: Object.fromEntries(Object.entries(r.areas).map(([area, counts]) => [area, { passed: counts.passed, total: counts.total }])),
    })),
  };
  writeFileSync(file, `${JSON.stringify(comparison, null, 2)}\n`);
  console.log(`recorded in ${file}`);
}
