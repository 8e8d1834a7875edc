// AbortController and AbortSignal inside a real isolate: abort reasons, abort/timeout/any,
// throwIfAborted, the onabort handler, event order and the interface shape.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('abort');
});
t.teardown(() => g.dispose());

t.test('AbortController: signal, default and custom reasons, abort once', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const c = new AbortController();
    const s = c.signal;
    const events = [];
    s.addEventListener('abort', (e) => events.push([e.type, e.isTrusted, s.aborted]));
    const before = [s.aborted, s.reason];
    c.abort();
    c.abort('again');
    const c2 = new AbortController();
    c2.abort('why');
    let thrown;
    try { s.throwIfAborted(); } catch (e) { thrown = [e instanceof DOMException, e.name, e.code, e.message]; }
    return {
      same: c.signal === s,
      before: [before[0], String(before[1])],
      events,
      reason: [s.reason.name, s.reason.message],
      custom: c2.signal.reason,
      thrown,
      notAborted: (() => { new AbortController().signal.throwIfAborted(); return 'no throw'; })(),
    };
  `);
  t.equal(r.same, true, 'signal is [SameObject]');
  t.same(r.before, [false, 'undefined']);
  t.same(r.events, [['abort', true, true]], 'one trusted abort event');
  t.same(r.reason, ['AbortError', 'This operation was aborted']);
  t.equal(r.custom, 'why');
  t.same(r.thrown, [true, 'AbortError', 20, 'This operation was aborted']);
  t.equal(r.notAborted, 'no throw');
});

t.test('AbortSignal.abort and AbortSignal.timeout', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const a = AbortSignal.abort();
    const b = AbortSignal.abort(0);
    const started = Date.now();
    const timed = AbortSignal.timeout(15);
    const event = await new Promise((resolve) => timed.addEventListener('abort', resolve));
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    return {
      a: [a.aborted, a.reason.name], b: [b.aborted, b.reason],
      timed: [timed.aborted, timed.reason.name, timed.reason.code, event.type, Date.now() - started >= 10],
      ranges: [err(() => AbortSignal.timeout(-1)), err(() => AbortSignal.timeout(NaN)), err(() => AbortSignal.timeout(2 ** 53)), err(() => AbortSignal.timeout())],
    };
  `);
  t.same(r.a, [true, 'AbortError']);
  t.same(r.b, [true, 0], 'a falsy reason is kept');
  t.same(r.timed, [true, 'TimeoutError', 23, 'abort', true]);
  t.same(r.ranges, ['TypeError', 'TypeError', 'TypeError', 'TypeError'], '[EnforceRange] unsigned long long');
});

t.test('AbortSignal.any follows its sources, flattens dependents, keeps order', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const c1 = new AbortController();
    const c2 = new AbortController();
    const any = AbortSignal.any([c1.signal, c2.signal]);
    const nested = AbortSignal.any([any]);
    const log = [];
    c2.signal.addEventListener('abort', () => log.push('source'));
    any.addEventListener('abort', () => log.push('any:' + any.reason));
    nested.onabort = () => log.push('nested:' + nested.reason);
    c2.abort('r2');
    c1.abort('r1');
    const pre = AbortSignal.any([new AbortController().signal, AbortSignal.abort('early')]);
    let notSignal;
    try { AbortSignal.any([{}]); } catch (e) { notSignal = e.constructor.name; }
    let notIterable;
    try { AbortSignal.any(5); } catch (e) { notIterable = e.constructor.name; }
    return { log, any: [any.aborted, any.reason], pre: [pre.aborted, pre.reason], empty: AbortSignal.any([]).aborted, notSignal, notIterable };
  `);
  t.same(r.log, ['source', 'any:r2', 'nested:r2'], 'the source first, then dependents; the second abort changes nothing');
  t.same(r.any, [true, 'r2']);
  t.same(r.pre, [true, 'early'], 'an already aborted input aborts the result at once');
  t.equal(r.empty, false);
  t.equal(r.notSignal, 'TypeError');
  t.equal(r.notIterable, 'TypeError');
});

t.test('AbortSignal.any results with listeners survive garbage collection', async (t) => {
  const r = await g.run<string[]>(`
    const c = new AbortController();
    const log = [];
    for (let i = 0; i < 3; i++) AbortSignal.any([c.signal]).addEventListener('abort', () => log.push('fired ' + i));
    // Many dependents nobody listens to: the source must not keep all of them.
    for (let i = 0; i < 5000; i++) AbortSignal.any([c.signal]);
    for (let round = 0; round < 5; round++) {
      let junk = [];
      for (let j = 0; j < 100000; j++) junk.push({ j });
      junk = null;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    c.abort();
    return log;
  `);
  t.same(r, ['fired 0', 'fired 1', 'fired 2']);
});

t.test('onabort is an event handler attribute: one listener slot, keeps its place', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const c = new AbortController();
    const s = c.signal;
    const log = [];
    s.onabort = () => log.push('first handler');
    s.addEventListener('abort', () => log.push('listener'));
    s.onabort = function (e) { log.push('second handler:' + (this === s) + ':' + e.type); };
    const value = typeof s.onabort;
    const c2 = new AbortController();
    c2.signal.onabort = () => log.push('removed');
    c2.signal.onabort = null;
    c2.signal.onabort = 5; // non-objects are null
    const five = c2.signal.onabort;
    c.abort();
    c2.abort();
    return { log, value, five };
  `);
  t.same(r.log, ['second handler:true:abort', 'listener'], 'the replaced handler runs at the first handler position');
  t.equal(r.value, 'function');
  t.equal(r.five, null);
});

t.test('interface shape: illegal constructor, brand checks, lengths', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    return {
      ctor: err(() => new AbortSignal()),
      inherits: new AbortController().signal instanceof EventTarget,
      brand: err(() => Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get.call(new EventTarget())),
      ctrlBrand: err(() => AbortController.prototype.abort.call({})),
      lengths: [AbortController.prototype.abort.length, AbortSignal.abort.length, AbortSignal.timeout.length, AbortSignal.any.length],
      statics: Object.keys(AbortSignal),
      keys: Object.keys(AbortSignal.prototype),
      tags: [String(new AbortController()), String(AbortSignal.abort())],
    };
  `);
  t.equal(r.ctor, 'TypeError');
  t.equal(r.inherits, true);
  t.equal(r.brand, 'TypeError');
  t.equal(r.ctrlBrand, 'TypeError');
  t.same(r.lengths, [0, 0, 1, 1]);
  t.same(r.statics, ['abort', 'timeout', 'any']);
  t.same(r.keys, ['aborted', 'reason', 'throwIfAborted', 'onabort']);
  t.same(r.tags, ['[object AbortController]', '[object AbortSignal]']);
});
