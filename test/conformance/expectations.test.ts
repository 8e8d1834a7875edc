// Expectations: matching a file's result both ways, rewriting them, and refusing entries without reasons.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectationFor, loadExpectations, matchResult, matchSurface, saveExpectations } from '../../conformance/expectations.js';
import type { FileResult } from '../../conformance/types.js';

const result = (status: FileResult['status'], subtests: [string, 'PASS' | 'FAIL' | 'TIMEOUT'][], message?: string): FileResult => ({
  status,
  ...(message === undefined ? {} : { message }),
  subtests: subtests.map(([name, s]) => (s === 'PASS' ? { name, status: s } : { name, status: s, message: `${name} went wrong` })),
  durationMs: 1,
});

t.test('a result that matches its expectation has no mismatches', async (t) => {
  t.same(matchResult('f', result('OK', [['a', 'PASS'], ['b', 'FAIL']]), { fail: { b: 'known' } }), []);
  t.same(matchResult('f', result('OK', [['a', 'PASS']]), undefined), []);
  t.same(matchResult('f', result('TIMEOUT', [['a', 'TIMEOUT']]), { harness: 'hangs', fail: { a: 'hangs' } }), []);
});

t.test('an unexpected failure and an unexpected pass are both mismatches', async (t) => {
  const fails = matchResult('f', result('OK', [['a', 'FAIL']]), undefined);
  t.same(fails.map((m) => [m.kind, m.subtest]), [['unexpected-fail', 'a']]);
  const passes = matchResult('f', result('OK', [['a', 'PASS']]), { fail: { a: 'was broken' } });
  t.same(passes.map((m) => [m.kind, m.subtest]), [['unexpected-pass', 'a']]);
});

t.test('harness outcomes are matched both ways too', async (t) => {
  t.same(matchResult('f', result('CRASH', [], 'boom'), undefined).map((m) => m.kind), ['unexpected-harness']);
  t.same(matchResult('f', result('OK', []), { harness: 'used to crash' }).map((m) => m.kind), ['harness-now-ok']);
});

t.test('a listed subtest that is gone is stale, but only when the file finished', async (t) => {
  t.same(matchResult('f', result('OK', [['a', 'PASS']]), { fail: { gone: 'x' } }).map((m) => m.kind), ['stale']);
  t.same(matchResult('f', result('TIMEOUT', [['a', 'PASS']]), { harness: 'slow', fail: { gone: 'x' } }), []);
});

t.test('expectationFor keeps human reasons and records new failures', async (t) => {
  const next = expectationFor(result('OK', [['a', 'FAIL'], ['b', 'FAIL'], ['c', 'PASS']]), { fail: { a: 'bug: 12', c: 'bug: fixed now' } });
  t.same(next, { fail: { a: 'bug: 12', b: 'observed: FAIL: b went wrong' } });
  const refreshed = expectationFor(result('OK', [['a', 'FAIL']]), { fail: { a: 'observed: FAIL: fetch is not defined' } });
  t.same(refreshed, { fail: { a: 'observed: FAIL: a went wrong' } }, 'an observed message is replaced by the current one, never kept');
  t.equal(expectationFor(result('OK', [['a', 'PASS']]), { fail: { a: 'fixed' } }), undefined, 'all passing: no entry');
  t.same(expectationFor(result('OK', [['a', 'FAIL']]), { skip: 'kept' }), { skip: 'kept' }, 'skips are never rewritten');
  t.same(expectationFor(result('HANG', [], 'no completion'), undefined), { harness: 'observed: HANG: no completion' });
  const unfinished = expectationFor(result('TIMEOUT', []), { harness: 'runner: slow', fail: { later: 'runner: never reported' } });
  t.same(unfinished, { fail: { later: 'runner: never reported' }, harness: 'runner: slow' }, 'unreported subtests of an unfinished file keep their entries');
});

t.test('files: every entry needs a reason; saving sorts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nano-exp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'area.json');
  writeFileSync(file, JSON.stringify({ 'x.any.js': { fail: { a: '' } } }));
  t.throws(() => loadExpectations(file), /x\.any\.js.*reason/s);
  writeFileSync(file, JSON.stringify({ 'x.any.js': {} }));
  t.throws(() => loadExpectations(file), /needs "skip", "fail", "because" or "harness"/);
  writeFileSync(file, JSON.stringify({ 'x.any.js': { skip: 'why', fail: { a: 'bug: b' } } }));
  t.throws(() => loadExpectations(file));
  writeFileSync(file, JSON.stringify({ 'x.any.js': { fail: { a: 'FAIL: assert_equals: expected 1 but got 2' } } }));
  t.throws(() => loadExpectations(file), /starts with one of "needs", "browser-only:", "not implemented:"/, 'a bare failure message is not a reason');
  writeFileSync(file, JSON.stringify({ 'x.any.js': { fail: { a: 'bug: one' }, because: { 'bug: two': ['a'] } } }));
  t.throws(() => loadExpectations(file), /listed twice/);
  saveExpectations(file, { 'z.any.js': { fail: { b: 'bug: 2', a: 'bug: 1' } }, 'a.any.js': { skip: 'why' } });
  t.equal(readFileSync(file, 'utf8'), `${JSON.stringify({ 'a.any.js': { skip: 'why' }, 'z.any.js': { fail: { a: 'bug: 1', b: 'bug: 2' } } }, null, 2)}\n`);
  t.same(loadExpectations(join(dir, 'missing.json')), {}, 'no file: everything is expected to pass');
});

t.test('one reason for several subtests is written once, and read back per subtest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nano-exp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'area.json');
  const flat = { 'f.any.js': { fail: { c: 'needs wptserve handler x.py', a: 'needs wptserve handler x.py', b: 'bug: own reason' }, harness: 'runner: times out' } };
  saveExpectations(file, flat);
  t.same(JSON.parse(readFileSync(file, 'utf8')), {
    'f.any.js': { harness: 'runner: times out', because: { 'needs wptserve handler x.py': ['a', 'c'] }, fail: { b: 'bug: own reason' } },
  });
  t.same(loadExpectations(file), flat);
});

t.test('the API surface is matched both ways', async (t) => {
  const seen = [
    { name: 'URL', ok: true, actual: 'function' },
    { name: 'URLPattern', ok: false, actual: 'undefined' },
  ];
  t.same(matchSurface(seen, { URLPattern: 'not yet' }), []);
  t.same(matchSurface(seen, {}).map((m) => [m.kind, m.subtest]), [['unexpected-fail', 'URLPattern']]);
  t.same(matchSurface(seen, { URLPattern: 'x', URL: 'y' }).map((m) => [m.kind, m.subtest]), [['unexpected-pass', 'URL']]);
});
