// Timers and queueMicrotask inside a real isolate: ordering, arguments, clearing, intervals,
// WebIDL conversions of the delay, and errors thrown by callbacks.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('timers');
});
t.teardown(() => g.dispose());

const sleep = (ms: number): string => `await new Promise((resolve) => setTimeout(resolve, ${ms}));`;

t.test('setTimeout: order by delay, arguments, this, ids', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const log = [];
    const id1 = setTimeout(() => log.push('20'), 20);
    const id2 = setTimeout((a, b) => log.push('0:' + a + b), 0, 'x', 'y');
    setTimeout(function () { log.push('this:' + (this === globalThis)); }, 5);
    ${sleep(40)}
    return { log, ids: [typeof id1, id1 > 0, id2 !== id1] };
  `);
  t.same(r.log, ['0:xy', 'this:true', '20']);
  t.same(r.ids, ['number', true, true]);
});

t.test('clearTimeout, setInterval/clearInterval, unknown ids', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const log = [];
    const a = setTimeout(() => log.push('cleared'), 5);
    clearTimeout(a);
    let n = 0;
    const iv = setInterval(() => { n++; if (n === 3) clearInterval(iv); }, 2);
    clearTimeout(999999); clearTimeout(); clearTimeout('x'); clearInterval(undefined);
    ${sleep(40)}
    return { log, n };
  `);
  t.same(r.log, []);
  t.equal(r.n, 3, 'the interval ran three times and stopped');
});

t.test('delay conversion (long), string handlers, required arguments', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const log = [];
    setTimeout(() => log.push('negative'), -50);
    setTimeout(() => log.push('wrapped'), 2 ** 32 + 1); // ToInt32: 1 ms
    setTimeout(() => log.push('nan'), NaN);
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    const bad = [err(() => setTimeout('log.push(1)', 0)), err(() => setTimeout()), err(() => setInterval(5))];
    ${sleep(20)}
    return { log: log.sort(), bad, lengths: [setTimeout.length, setInterval.length, clearTimeout.length, clearInterval.length, queueMicrotask.length] };
  `);
  t.same(r.log, ['nan', 'negative', 'wrapped']);
  t.same(r.bad, ['TypeError', 'TypeError', 'TypeError'], 'strings are not evaluated');
  t.same(r.lengths, [1, 1, 0, 0, 1]);
});

t.test('queueMicrotask runs before timers; a throwing callback is reported', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const log = [];
    const errors = [];
    const onError = (e) => { errors.push(e.message); e.preventDefault(); };
    addEventListener('error', onError);
    setTimeout(() => log.push('timer'), 0);
    queueMicrotask(() => log.push('micro1'));
    queueMicrotask(() => { throw new Error('in microtask'); });
    queueMicrotask(() => log.push('micro2'));
    Promise.resolve().then(() => log.push('promise'));
    setTimeout(() => { throw new TypeError('in timer'); }, 0);
    ${sleep(10)}
    removeEventListener('error', onError);
    let notFn;
    try { queueMicrotask(1); } catch (e) { notFn = e.constructor.name; }
    return { log, errors, notFn };
  `);
  t.same(r.log, ['micro1', 'micro2', 'promise', 'timer']);
  t.same(r.errors, ['Uncaught Error: in microtask', 'Uncaught TypeError: in timer']);
  t.equal(r.notFn, 'TypeError');
});

t.test('a replaced global Promise does not change queueMicrotask', async (t) => {
  const r = await g.run<string[]>(`
    const log = [];
    const saved = Promise;
    globalThis.Promise = function () { throw new Error('tenant Promise'); };
    try { queueMicrotask(() => log.push('ran')); } finally { globalThis.Promise = saved; }
    await null;
    return log;
  `);
  t.same(r, ['ran']);
});
