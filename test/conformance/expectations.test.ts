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
  const next = expectationFor(result('OK', [['a', 'FAIL'], ['b', 'FAIL'], ['c', 'PASS']]), { fail: { a: 'bug 12', c: 'fixed now' } });
  t.same(next, { fail: { a: 'bug 12', b: 'FAIL: b went wrong' } });
  t.equal(expectationFor(result('OK', [['a', 'PASS']]), { fail: { a: 'fixed' } }), undefined, 'all passing: no entry');
  t.same(expectationFor(result('OK', [['a', 'FAIL']]), { skip: 'kept' }), { skip: 'kept' }, 'skips are never rewritten');
  t.same(expectationFor(result('HANG', [], 'no completion'), undefined), { harness: 'HANG: no completion' });
  const unfinished = expectationFor(result('TIMEOUT', []), { harness: 'slow', fail: { later: 'never reported' } });
  t.same(unfinished, { fail: { later: 'never reported' }, harness: 'slow' }, 'unreported subtests of an unfinished file keep their entries');
});

t.test('files: every entry needs a reason; saving sorts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nano-exp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'area.json');
  writeFileSync(file, JSON.stringify({ 'x.any.js': { fail: { a: '' } } }));
  t.throws(() => loadExpectations(file), /x\.any\.js.*reason/s);
  writeFileSync(file, JSON.stringify({ 'x.any.js': {} }));
  t.throws(() => loadExpectations(file), /needs "skip", "fail" or "harness"/);
  writeFileSync(file, JSON.stringify({ 'x.any.js': { skip: 'why', fail: { a: 'b' } } }));
  t.throws(() => loadExpectations(file));
  saveExpectations(file, { 'z.any.js': { fail: { b: '2', a: '1' } }, 'a.any.js': { skip: 'why' } });
  t.equal(readFileSync(file, 'utf8'), `${JSON.stringify({ 'a.any.js': { skip: 'why' }, 'z.any.js': { fail: { a: '1', b: '2' } } }, null, 2)}\n`);
  t.same(loadExpectations(join(dir, 'missing.json')), {}, 'no file: everything is expected to pass');
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
