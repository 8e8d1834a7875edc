// structuredClone inside a real isolate: built-in types, shared references and cycles, errors,
// DOMException, transfer (and no detaching when the clone fails), DataCloneError cases.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('structured-clone');
});
t.teardown(() => g.dispose());

t.test('built-in types, shared references, cycles', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const shared = { n: 1 };
    const buf = new ArrayBuffer(8);
    const src = {
      date: new Date(5), re: /a+/gi, map: new Map([[shared, 'v']]), set: new Set([shared]),
      arr: [1, , 3], big: 10n, wrapped: [Object(1), Object('s'), Object(false), Object(2n)],
      u8: new Uint8Array(buf, 2, 4), dv: new DataView(buf), neg: -0, nan: NaN, undef: undefined,
      shared, again: shared,
    };
    src.self = src;
    const c = structuredClone(src);
    return {
      distinct: c !== src && c.shared !== shared,
      sharedKept: c.shared === c.again && c.map.keys().next().value === c.shared && c.set.has(c.shared),
      cycle: c.self === c,
      date: c.date instanceof Date && c.date.getTime() === 5,
      re: [c.re.source, c.re.flags],
      holes: [c.arr.length, 1 in c.arr],
      big: typeof c.big,
      wrapped: c.wrapped.map((w) => typeof w + ':' + String(w.valueOf())),
      views: [c.u8.buffer === c.dv.buffer, c.u8.byteOffset, c.u8.length, c.u8 instanceof Uint8Array],
      numbers: [Object.is(c.neg, -0), Number.isNaN(c.nan), 'undef' in c],
    };
  `);
  t.equal(r.distinct, true);
  t.equal(r.sharedKept, true, 'one object referenced twice is cloned once');
  t.equal(r.cycle, true);
  t.equal(r.date, true);
  t.same(r.re, ['a+', 'gi']);
  t.same(r.holes, [3, false]);
  t.equal(r.big, 'bigint');
  t.same(r.wrapped, ['object:1', 'object:s', 'object:false', 'object:2']);
  t.same(r.views, [true, 2, 4, true], 'views on one buffer still share it');
  t.same(r.numbers, [true, true, true]);
});

t.test('errors keep type, message, cause; DOMException clones as DOMException', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const e = structuredClone(new RangeError('r', { cause: { c: 1 } }));
    const custom = new Error('x'); custom.name = 'MyError';
    const d = structuredClone(new DOMException('gone', 'AbortError'));
    return {
      range: [e instanceof RangeError, e.message, e.cause.c, typeof e.stack],
      custom: [structuredClone(custom).name, structuredClone(custom).message],
      dom: [d instanceof DOMException, d.name, d.message, d.code],
    };
  `);
  t.same(r.range, [true, 'r', 1, 'string']);
  t.same(r.custom, ['Error', 'x'], 'names outside the list become Error');
  t.same(r.dom, [true, 'AbortError', 'gone', 20]);
});

t.test('DataCloneError: functions, symbols, promises, non-serializable platform objects', async (t) => {
  const r = await g.run<string[]>(`
    const err = (v) => { try { structuredClone(v); return 'ok'; } catch (e) { return e.constructor.name + '/' + e.name; } };
    class Point { constructor() { this.x = 1; } }
    return [
      err(() => {}), err(Symbol('s')), err(Promise.resolve()), err(new WeakMap()), err(new Headers()),
      err(new AbortController()), err({ nested: [() => {}] }),
      JSON.stringify(structuredClone(new Point())), String(Object.getPrototypeOf(structuredClone(new Point())) === Object.prototype),
    ];
  `);
  t.same(r.slice(0, 7), Array(7).fill('DOMException/DataCloneError'));
  t.same(r.slice(7), ['{"x":1}', 'true'], 'class instances become plain objects');
});

t.test('transfer detaches, and a failed clone detaches nothing', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const buf = new Uint8Array([1, 2, 3]).buffer;
    const out = structuredClone({ buf }, { transfer: [buf] });
    const keep = new ArrayBuffer(4);
    let failed;
    try { structuredClone({ keep, f() {} }, { transfer: [keep] }); } catch (e) { failed = e.name; }
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name + '/' + e.name; } };
    const dup = new ArrayBuffer(1);
    const resizable = structuredClone(new ArrayBuffer(2, { maxByteLength: 8 }));
    return {
      moved: [...new Uint8Array(out.buf)], detached: [buf.byteLength, buf.detached],
      failed, kept: keep.byteLength,
      dup: err(() => structuredClone(dup, { transfer: [dup, dup] })),
      notTransferable: err(() => structuredClone(1, { transfer: [{}] })),
      detachedInput: err(() => structuredClone(buf)),
      badOptions: err(() => structuredClone(1, 5)),
      noArgs: err(() => structuredClone()),
      resizable: [resizable.resizable, resizable.maxByteLength],
    };
  `);
  t.same(r.moved, [1, 2, 3]);
  t.same(r.detached, [0, true]);
  t.equal(r.failed, 'DataCloneError');
  t.equal(r.kept, 4, 'the transfer list is not detached when serialization fails');
  t.equal(r.dup, 'DOMException/DataCloneError');
  t.equal(r.notTransferable, 'DOMException/DataCloneError');
  t.equal(r.detachedInput, 'DOMException/DataCloneError');
  t.equal(r.badOptions, 'TypeError/TypeError');
  t.equal(r.noArgs, 'TypeError/TypeError');
  t.same(r.resizable, [true, 8]);
});

t.test('spoofed prototypes are not mistaken for built-ins', async (t) => {
  const r = await g.run<string[]>(`
    const fakeDate = Object.setPrototypeOf({ a: 1 }, Date.prototype);
    const fakeMap = Object.setPrototypeOf({ b: 2 }, Map.prototype);
    return [JSON.stringify(structuredClone(fakeDate)), JSON.stringify(structuredClone(fakeMap))];
  `);
  t.same(r, ['{"a":1}', '{"b":2}']);
});
