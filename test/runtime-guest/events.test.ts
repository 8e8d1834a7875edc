// Event, CustomEvent, ErrorEvent and EventTarget inside a real isolate: construction, listener
// options, dispatch order and flags, handler objects, errors in listeners, the global as target.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('events');
});
t.teardown(() => g.dispose());

t.test('Event: init dictionary, constants, isTrusted is an own unforgeable property', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const e = new Event('ping', { bubbles: true, cancelable: 1 });
    const d = Object.getOwnPropertyDescriptor(e, 'isTrusted');
    const err = (f) => { try { f(); return 'ok'; } catch (x) { return x.constructor.name; } };
    return {
      fields: [e.type, e.bubbles, e.cancelable, e.composed, e.defaultPrevented, e.eventPhase, e.target, e.currentTarget, e.isTrusted, e.returnValue],
      timeStamp: typeof e.timeStamp === 'number' && e.timeStamp >= 0 && e.timeStamp <= performance.now(),
      isTrusted: [typeof d.get, d.configurable, d.enumerable, d.get === Object.getOwnPropertyDescriptor(new Event('x'), 'isTrusted').get, 'isTrusted' in Event.prototype],
      constants: [Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE, e.AT_TARGET, Object.getOwnPropertyDescriptor(Event, 'AT_TARGET').writable],
      noType: err(() => new Event()),
      badInit: err(() => new Event('x', 5)),
      nullInit: new Event('x', null).bubbles,
      length: [Event.length, CustomEvent.length, ErrorEvent.length, EventTarget.length],
      brand: err(() => Object.getOwnPropertyDescriptor(Event.prototype, 'type').get.call({})),
      keys: Object.keys(Event.prototype).slice(0, 6),
    };
  `);
  t.same(r.fields, ['ping', true, true, false, false, 0, null, null, false, true]);
  t.equal(r.timeStamp, true);
  t.same(r.isTrusted, ['function', false, true, true, false]);
  t.same(r.constants, [0, 1, 2, 3, 2, false]);
  t.equal(r.noType, 'TypeError');
  t.equal(r.badInit, 'TypeError', 'a non-object init dictionary is a TypeError');
  t.equal(r.nullInit, false);
  t.same(r.length, [1, 1, 1, 0]);
  t.equal(r.brand, 'TypeError');
  t.same(r.keys, ['type', 'target', 'srcElement', 'currentTarget', 'composedPath', 'eventPhase']);
});

t.test('dispatch: capture listeners first, phase AT_TARGET, flags reset afterwards', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const target = new EventTarget();
    const log = [];
    target.addEventListener('x', (e) => log.push('bubble1:' + e.eventPhase));
    target.addEventListener('x', (e) => log.push('capture:' + e.eventPhase + ':' + (e.currentTarget === target)), true);
    target.addEventListener('x', { handleEvent(e) { log.push('object:' + (this !== target)); } });
    const e = new Event('x');
    const result = target.dispatchEvent(e);
    return { log, result, after: [e.eventPhase, e.currentTarget, e.target === target, e.composedPath().length] };
  `);
  t.same(r.log, ['capture:2:true', 'bubble1:2', 'object:true']);
  t.equal(r.result, true);
  t.same(r.after, [0, null, true, 0]);
});

t.test('once, passive, signal, duplicates, removal during dispatch', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const target = new EventTarget();
    const log = [];
    const f = () => log.push('f');
    target.addEventListener('x', f);
    target.addEventListener('x', f);               // duplicate: ignored
    target.addEventListener('x', f, { capture: true }); // different capture: added
    target.addEventListener('x', () => log.push('once'), { once: true });
    target.addEventListener('x', (e) => { e.preventDefault(); log.push('passive:' + e.defaultPrevented); }, { passive: true });
    const ctrl = new AbortController();
    target.addEventListener('x', () => log.push('signal'), { signal: ctrl.signal });
    const later = () => log.push('removed-before-run');
    target.addEventListener('x', () => target.removeEventListener('x', later));
    target.addEventListener('x', later);
    const e = new Event('x', { cancelable: true });
    const first = target.dispatchEvent(e);
    log.push('|');
    ctrl.abort();
    target.dispatchEvent(new Event('x'));
    const aborted = new EventTarget();
    aborted.addEventListener('x', () => log.push('never'), { signal: AbortSignal.abort() });
    aborted.dispatchEvent(new Event('x'));
    let badSignal;
    try { target.addEventListener('y', f, { signal: {} }); } catch (x) { badSignal = x.constructor.name; }
    return { log, first, badSignal };
  `);
  t.same(r.log, ['f', 'f', 'once', 'passive:false', 'signal', '|', 'f', 'f', 'passive:false']);
  t.equal(r.first, true, 'preventDefault in a passive listener is ignored');
  t.equal(r.badSignal, 'TypeError');
});

t.test('stopImmediatePropagation, stopPropagation between passes, cancelable result', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const t1 = new EventTarget();
    const log = [];
    t1.addEventListener('x', (e) => { log.push('a'); e.stopImmediatePropagation(); });
    t1.addEventListener('x', () => log.push('b'));
    t1.dispatchEvent(new Event('x'));
    const t2 = new EventTarget();
    t2.addEventListener('x', (e) => { log.push('capture'); e.stopPropagation(); }, true);
    t2.addEventListener('x', () => log.push('not reached'));
    t2.dispatchEvent(new Event('x'));
    const t3 = new EventTarget();
    t3.addEventListener('x', (e) => { e.returnValue = false; });
    const cancelled = t3.dispatchEvent(new Event('x', { cancelable: true }));
    const notCancelable = t3.dispatchEvent(new Event('x'));
    const e = new Event('x');
    e.cancelBubble = true;
    const reused = [t3.dispatchEvent(e), e.cancelBubble];
    return { log, cancelled, notCancelable, reused };
  `);
  t.same(r.log, ['a', 'capture']);
  t.equal(r.cancelled, false);
  t.equal(r.notCancelable, true);
  t.same(r.reused, [true, false], 'the stop propagation flag is cleared after dispatch');
});

t.test('re-dispatch is InvalidStateError; initEvent; trusted flag', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const target = new EventTarget();
    let inner;
    target.addEventListener('x', (e) => { try { target.dispatchEvent(e); } catch (x) { inner = x.name; } });
    const e = new Event('x');
    target.dispatchEvent(e);
    e.initEvent('y', true, true);
    let notEvent;
    try { target.dispatchEvent({ type: 'x' }); } catch (x) { notEvent = x.constructor.name; }
    const ac = new AbortController();
    let trusted;
    ac.signal.addEventListener('abort', (ev) => { trusted = ev.isTrusted; });
    ac.abort();
    return { inner, init: [e.type, e.bubbles, e.cancelable], notEvent, trusted, untrusted: e.isTrusted };
  `);
  t.equal(r.inner, 'InvalidStateError');
  t.same(r.init, ['y', true, true]);
  t.equal(r.notEvent, 'TypeError');
  t.equal(r.trusted, true, 'platform events are trusted');
  t.equal(r.untrusted, false);
});

t.test('CustomEvent detail and ErrorEvent fields', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const c = new CustomEvent('c', { detail: { n: 1 } });
    const none = new CustomEvent('c');
    none.initCustomEvent('d', false, false, 'later');
    const ee = new ErrorEvent('error', { message: 'm', filename: 'f.js', lineno: 3, colno: 4, error: 7 });
    return {
      detail: c.detail, none: [none.type, none.detail], nullDetail: new CustomEvent('x').detail,
      error: [ee.message, ee.filename, ee.lineno, ee.colno, ee.error, ee instanceof Event],
      defaults: [new ErrorEvent('e').message, new ErrorEvent('e').lineno, String(new ErrorEvent('e').error)],
      tags: [String(c), String(ee)],
    };
  `);
  t.same(r.detail, { n: 1 });
  t.same(r.none, ['d', 'later']);
  t.equal(r.nullDetail, null);
  t.same(r.error, ['m', 'f.js', 3, 4, 7, true]);
  t.same(r.defaults, ['', 0, 'undefined'], 'error defaults to undefined (any without a default)');
  t.same(r.tags, ['[object CustomEvent]', '[object ErrorEvent]']);
});

t.test('a throwing listener is reported as an error event on the global; others still run', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const seen = [];
    const onError = (e) => { seen.push([e.constructor.name, e.message, e.error && e.error.message, e.cancelable, typeof e.lineno]); e.preventDefault(); };
    addEventListener('error', onError);
    const target = new EventTarget();
    target.addEventListener('x', () => { throw new RangeError('bad listener'); });
    target.addEventListener('x', () => seen.push('second ran'));
    target.dispatchEvent(new Event('x'));
    removeEventListener('error', onError);
    return seen;
  `);
  t.same(r, [['ErrorEvent', 'Uncaught RangeError: bad listener', 'bad listener', true, 'number'], 'second ran']);
});

t.test('the global object is an EventTarget, also with an undefined this', async (t) => {
  const r = await g.run<unknown[]>(`
    const log = [];
    const add = addEventListener;
    add('custom', (e) => log.push(e.type));
    dispatchEvent(new Event('custom'));
    globalThis.dispatchEvent(new CustomEvent('custom'));
    return [log, typeof globalThis.addEventListener, Object.getOwnPropertyDescriptor(globalThis, 'addEventListener').enumerable];
  `);
  t.same(r, [['custom', 'custom'], 'function', true]);
});
