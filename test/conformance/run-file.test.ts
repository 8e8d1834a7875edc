// One fixture file at a time in a real RuntimeIsolate: META, async and promise tests, timeouts, crashes.
import t from 'tap';
import { isolateTeardownGrace } from '../../src/isolates/runtime-isolate.js';
import { readFileSync } from 'node:fs';
import { discoverArea } from '../../conformance/discover.js';
import { matchFiles } from '../../conformance/glob.js';
import { runFile } from '../../conformance/run-file.js';
import { startStaticServer } from '../../conformance/static-server.js';
import type { FileResult, TestJob } from '../../conformance/types.js';
import { testharnessPath } from '../../conformance/wpt-location.js';
import { ROOT, TREE } from './helpers.js';

const files = matchFiles(TREE, ['fixtures/**/*.any.js', 'fixtures/worker/*.worker.js'], []);
const { jobs, skipped } = discoverArea('fixtures', TREE, files, { 'fixtures/skip/skipped.any.js': { skip: 'because' } });
const testharness = readFileSync(testharnessPath(TREE, ROOT), 'utf8');
const server = await startStaticServer(TREE);
t.teardown(async () => {
  server.close();
  // Fixtures loop and exhaust memory: let isolated-vm finish tearing those isolates down.
  await isolateTeardownGrace();
});

function job(id: string): TestJob {
  const found = jobs.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no job ${id}`);
  return found;
}

const run = (id: string, timeoutMs = 3000): Promise<FileResult> => runFile(job(id), { testharness, server: server.info, timeoutMs });
const statuses = (result: FileResult): Record<string, string> => Object.fromEntries(result.subtests.map((s) => [s.name, s.status]));

t.test('discovery: variants, scopes and skips', async (t) => {
  t.ok(jobs.some((j) => j.id === 'fixtures/variants/variant.any.js?first'));
  t.ok(jobs.some((j) => j.id === 'fixtures/variants/variant.any.js?second'));
  t.same(skipped.map((s) => [s.id, s.reason]).sort(), [
    ['fixtures/scope/window-only.any.js', 'runs only in global=window'],
    ['fixtures/skip/skipped.any.js', 'because'],
  ]);
  t.equal(job('fixtures/worker/self-contained.worker.js').selfContained, true);
});

t.test('META: scripts, title, scope and location', async (t) => {
  const result = await run('fixtures/meta/meta-header.any.js');
  t.equal(result.status, 'OK', result.message ?? '');
  t.same(statuses(result), {
    'a relative script= is loaded before the test': 'PASS',
    'an absolute script= is loaded from the WPT root': 'PASS',
    'GLOBAL says worker': 'PASS',
    'title= becomes META_TITLE': 'PASS',
    'location is the test URL on the runner server': 'PASS',
  });
});

t.test('async_test and promise_test', async (t) => {
  const asyncResult = await run('fixtures/async/async-test.any.js');
  t.equal(asyncResult.status, 'OK');
  t.same(Object.values(statuses(asyncResult)), ['PASS', 'PASS']);
  const promiseResult = await run('fixtures/async/promise-test.any.js');
  t.equal(promiseResult.status, 'OK');
  t.same(statuses(promiseResult), { 'a resolving promise_test passes': 'PASS', 'a rejecting promise_test fails': 'FAIL' });
  t.match(promiseResult.subtests.find((s) => s.status === 'FAIL')?.message ?? '', /deliberate/);
});

t.test('a file that never finishes times out and reports what it has', async (t) => {
  const started = Date.now();
  const result = await run('fixtures/timeout/never-finishes.any.js', 800);
  t.ok(Date.now() - started < 5000, 'bounded by the per-file timeout');
  t.equal(result.status, 'TIMEOUT');
  t.same(statuses(result), { 'a synchronous test passes': 'PASS', 'an async_test that never finishes': 'TIMEOUT' });
});

t.test('an endless synchronous loop is stopped at the deadline', async (t) => {
  const started = Date.now();
  const result = await run('fixtures/timeout/busy-loop.any.js', 800);
  t.ok(Date.now() - started < 5000, 'bounded by the per-file timeout');
  t.equal(result.status, 'ERROR');
  t.match(result.message ?? '', /busy-loop\.any\.js/);
  t.same(statuses(result), { 'defined before the loop': 'PASS' });
});

t.test('crashes and load errors never stall the run', async (t) => {
  const oom = await run('fixtures/crash/out-of-memory.any.js', 20000);
  t.equal(oom.status, 'CRASH', oom.message ?? '');
  const thrown = await run('fixtures/crash/throws-at-top-level.any.js');
  t.equal(thrown.status, 'ERROR');
  t.match(thrown.message ?? '', /thrown at the top level/);
  t.same(statuses(thrown), { 'defined before the throw': 'PASS' });
});

t.test('.sub substitution, variants and .worker.js files', async (t) => {
  const sub = await run('fixtures/sub/substitution.sub.any.js');
  t.same(Object.values(statuses(sub)), ['PASS'], sub.subtests[0]?.message ?? '');
  for (const id of ['fixtures/variants/variant.any.js?first', 'fixtures/variants/variant.any.js?second']) {
    const result = await run(id);
    t.same(Object.values(statuses(result)), ['PASS'], `${id}: ${result.subtests[0]?.message ?? ''}`);
  }
  const worker = await run('fixtures/worker/self-contained.worker.js');
  t.equal(worker.status, 'OK', worker.message ?? '');
  t.same(statuses(worker), { 'importScripts loads the helper': 'PASS' });
});
