// The global scope inside a real isolate: how globals are defined, WebIDL interface objects,
// self, navigator, performance, WebAssembly, reportError, console, atob/btoa and DOMException.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('globals');
});
t.teardown(() => g.dispose());

/** Interfaces this test checks the shape of (those owned by this part of the runtime). */
const INTERFACES = [
  'AbortController', 'AbortSignal', 'Crypto', 'CryptoKey', 'CustomEvent', 'DOMException', 'ErrorEvent', 'Event', 'EventTarget', 'FileReader',
  'Headers', 'Navigator', 'Performance', 'PerformanceEntry', 'PerformanceMark', 'PerformanceMeasure', 'ProgressEvent', 'SubtleCrypto',
  'TextDecoder', 'TextEncoder', 'URL', 'URLPattern', 'URLSearchParams',
];
const FUNCTIONS = ['atob', 'btoa', 'clearInterval', 'clearTimeout', 'queueMicrotask', 'reportError', 'setInterval', 'setTimeout', 'structuredClone'];

t.test('globals: defined like the web platform does, interface objects named and shaped', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const interfaces = ${JSON.stringify(INTERFACES)};
    const functions = ${JSON.stringify(FUNCTIONS)};
    const bad = [];
    for (const name of [...interfaces, ...functions, 'crypto', 'performance', 'navigator', 'console', 'self', 'WebAssembly']) {
      const d = Object.getOwnPropertyDescriptor(globalThis, name);
      if (d === undefined) { bad.push(name + ' missing'); continue; }
      if (d.enumerable || !d.configurable || (!d.writable && !d.set)) bad.push(name + ' descriptor');
    }
    for (const name of [...interfaces, ...functions]) {
      const f = globalThis[name];
      if (typeof f !== 'function') { bad.push(name + ' not a function'); continue; }
      if (f.name !== name) bad.push(name + ' is named ' + f.name);
    }
    for (const name of interfaces) {
      const C = globalThis[name];
      const proto = C.prototype;
      if (Object.getOwnPropertyDescriptor(C, 'prototype').writable) bad.push(name + '.prototype writable');
      if (proto[Symbol.toStringTag] !== name) bad.push(name + ' toStringTag');
      if (proto.constructor !== C) bad.push(name + ' constructor');
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (key === 'constructor') continue;
        if (!Object.getOwnPropertyDescriptor(proto, key).enumerable) bad.push(name + '.prototype.' + key + ' not enumerable');
      }
      try { C(); bad.push(name + ' callable without new'); } catch {}
    }
    return { bad, self: self === globalThis && globalThis.globalThis === globalThis };
  `);
  t.same(r.bad, []);
  t.equal(r.self, true);
});

t.test('navigator', async (t) => {
  const r = await g.run<unknown[]>(`
    let ctor; try { new Navigator(); } catch (e) { ctor = e.constructor.name; }
    return [navigator.userAgent, navigator instanceof Navigator, String(navigator), ctor, Object.keys(Navigator.prototype), [navigator.appCodeName, navigator.appName, navigator.product, navigator.hardwareConcurrency]];
  `);
  t.same(r, ['NANO', true, '[object Navigator]', 'TypeError', ['userAgent', 'appCodeName', 'appName', 'appVersion', 'platform', 'product', 'hardwareConcurrency'], ['Mozilla', 'Netscape', 'Gecko', 1]]);
});

t.test('performance: now, timeOrigin, toJSON, marks and measures', async (t) => {
  const before = Date.now();
  const r = await g.run<Record<string, unknown>>(`
    const a = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 15));
    const b = performance.now();
    const m1 = performance.mark('start', { detail: { step: 1 } });
    const m2 = new PerformanceMark('manual', { startTime: 1 });
    performance.mark('end');
    const measure = performance.measure('span', 'start', 'end');
    const byOptions = performance.measure('opts', { start: 2, duration: 3, detail: 'd' });
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name + '/' + e.name; } };
    const out = {
      monotonic: b >= a + 10,
      origin: performance.timeOrigin,
      json: JSON.stringify(performance.toJSON()) === JSON.stringify({ timeOrigin: performance.timeOrigin }),
      types: [performance instanceof Performance, performance instanceof EventTarget, m1 instanceof PerformanceEntry, measure instanceof PerformanceMeasure],
      mark: [m1.name, m1.entryType, m1.duration, m1.detail, m2.startTime, m2.entryType],
      measure: [measure.entryType, measure.duration >= 0, byOptions.startTime, byOptions.duration, byOptions.detail],
      entries: performance.getEntries().map((e) => e.name),
      byType: performance.getEntriesByType('mark').map((e) => e.name),
      byName: performance.getEntriesByName('span', 'measure').length,
      entryJson: JSON.stringify(m1.toJSON()),
      missing: err(() => performance.measure('x', 'no-such-mark')),
      negative: err(() => performance.mark('n', { startTime: -1 })),
      conflict: err(() => performance.measure('x', { start: 1 }, 'end')),
      ctor: [err(() => new Performance()), err(() => new PerformanceEntry()), err(() => new PerformanceMeasure())],
      brand: err(() => Performance.prototype.now.call({})),
    };
    performance.clearMarks();
    performance.clearMeasures('span');
    out.cleared = performance.getEntries().map((e) => e.name);
    return out;
  `);
  t.equal(r.monotonic, true);
  t.ok(Math.abs((r.origin as number) - before) < 10_000, 'timeOrigin is the runtime start, in ms since the epoch');
  t.equal(r.json, true);
  t.same(r.types, [true, true, true, true]);
  t.same(r.mark, ['start', 'mark', 0, { step: 1 }, 1, 'mark']);
  t.same(r.measure, ['measure', true, 2, 3, 'd']);
  t.same(r.byType, ['start', 'end'], 'performance.mark() buffers; new PerformanceMark() does not');
  t.equal(r.byName, 1);
  t.match(r.entryJson, /^\{"name":"start","entryType":"mark","startTime":[\d.]+,"duration":0,"detail":\{"step":1\}\}$/);
  t.equal(r.missing, 'DOMException/SyntaxError');
  t.equal(r.negative, 'TypeError/TypeError');
  t.equal(r.conflict, 'TypeError/TypeError');
  t.same(r.ctor, ['TypeError/TypeError', 'TypeError/TypeError', 'TypeError/TypeError']);
  t.equal(r.brand, 'TypeError/TypeError');
  t.same(r.cleared, ['opts']);
  t.ok((r.entries as string[]).includes('span'));
});

t.test('WebAssembly: compile, instantiate (bytes and module), streaming from a Response, errors', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
    const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);
    const module = await WebAssembly.compile(bytes);
    const fromModule = await WebAssembly.instantiate(module);
    const fromBytes = await WebAssembly.instantiate(bytes.buffer, {});
    const streamed = await WebAssembly.instantiateStreaming(new Response(bytes, { headers: { 'content-type': 'application/wasm' } }));
    const compiledStreaming = await WebAssembly.compileStreaming(Promise.resolve(new Response(bytes, { headers: { 'content-type': 'Application/Wasm; x=1' } })));
    const failure = async (p) => { try { await p; return 'resolved'; } catch (e) { return e.constructor.name; } };
    return {
      module: module instanceof WebAssembly.Module,
      sums: [fromModule.exports.add(1, 2), fromBytes.instance.exports.add(3, 4), fromBytes.module instanceof WebAssembly.Module, streamed.instance.exports.add(5, 6)],
      compiledStreaming: compiledStreaming instanceof WebAssembly.Module,
      validate: [WebAssembly.validate(bytes), WebAssembly.validate(new Uint8Array([1, 2]))],
      compileError: await failure(WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 9]))),
      notBytes: await failure(WebAssembly.compile('nope')),
      badImports: await failure(WebAssembly.instantiate(bytes, 5)),
      wrongType: await failure(WebAssembly.compileStreaming(new Response(bytes, { headers: { 'content-type': 'text/plain' } }))),
      notResponse: await failure(WebAssembly.instantiateStreaming(bytes)),
      names: [WebAssembly.compile.name, WebAssembly.instantiate.name, WebAssembly.compile.length, WebAssembly.instantiateStreaming.length],
    };
  `);
  t.equal(r.module, true, 'compile settles (V8 would wait for platform tasks isolated-vm never runs)');
  t.same(r.sums, [3, 7, true, 11]);
  t.equal(r.compiledStreaming, true);
  t.same(r.validate, [true, false]);
  t.equal(r.compileError, 'CompileError', 'errors reject the promise');
  t.equal(r.notBytes, 'TypeError');
  t.equal(r.badImports, 'TypeError');
  t.equal(r.wrongType, 'TypeError');
  t.equal(r.notResponse, 'TypeError');
  t.same(r.names, ['compile', 'instantiate', 1, 1]);
});

t.test('reportError: an ErrorEvent on the global, logged unless cancelled', async (t) => {
  const before = g.signals.length;
  const r = await g.run<unknown[]>(`
    const seen = [];
    const cancel = (e) => { seen.push([e.type, e.message, e.error.message, e.isTrusted, e.filename !== '', e.lineno > 0]); e.preventDefault(); };
    addEventListener('error', cancel);
    reportError(new TypeError('handled'));
    removeEventListener('error', cancel);
    const where = [];
    const locate = (e) => { where.push([e.message, e.filename, e.lineno > 0, e.colno > 0, e.error]); e.preventDefault(); };
    addEventListener('error', locate);
    reportError(1);
    reportError(undefined);
    removeEventListener('error', locate);
    reportError(new Error('logged'));
    reportError('a string');
    let touched = false;
    reportError({ get name() { touched = true; }, get message() { touched = true; } });
    let none; try { reportError(); } catch (e) { none = e.constructor.name; }
    return [seen, where, touched, none];
  `);
  t.same(r[0], [['error', 'Uncaught TypeError: handled', 'handled', true, true, true]]);
  t.equal(r[3], 'TypeError', 'reportError() without an argument');
  const where = r[1] as unknown[][];
  t.same(where.map((w) => [w[0], w[2], w[3]]), [['Uncaught 1', true, true], ['Uncaught undefined', true, true]], 'values without a stack get the call site');
  t.match(String(where[0]?.[1]), /^test-\d+\.js$/, "the filename is the caller's script");
  t.equal(r[2], false, 'reporting runs no getters of the value');
  const uncaught = g.signals.slice(before).filter((s) => s.name === 'uncaught');
  t.equal(uncaught.length, 3, 'only the unhandled ones reach the host');
  t.same(uncaught.map((s) => s.args[1]), ['Error: logged', 'a string', 'object']);
  t.match(String(uncaught[0]?.args[2]), /Error: logged\n\s+at /, 'with the stack');
  t.match(String(uncaught[2]?.args[2]), /^Uncaught \{ name: \[Getter\], message: \[Getter\] \}\n\s+at /, 'accessors are shown, not called');
});

t.test('console: formatting, levels, assert, count, group, trace, namespace shape', async (t) => {
  const before = g.logs.length;
  await g.run(`
    console.log('%s is %d and %i, %f', 'x', 42.5, 42.5, '1.5', 'extra');
    console.info({ a: [1, { b: 2 }], s: 'q' }, new Map([[1, 2]]), null, undefined, 10n);
    console.warn('%o|%O|%j|%c|%%', [1], { k: 1 }, { j: 2 }, 'color: red');
    console.error(new RangeError('boom').message);
    console.debug('%d', Symbol('s'));
    console.assert(true, 'not shown');
    console.assert(false, 'shown %s', 'here');
    console.assert(false);
    console.count(); console.count(); console.count('x'); console.countReset(); console.count();
    console.group('g'); console.log('inside'); console.groupEnd(); console.log('outside');
    console.trace('where');
    console.dir({ d: 1 });
    class Point { constructor() { this.x = 1; } }
    console.log(new Point(), Object.create(null));
    console.log(new Headers(), new URL('https://a.test/'));
  `);
  const lines = g.logs.slice(before);
  t.equal(lines[0], 'info: x is 42.5 and 42, 1.5 extra');
  t.equal(lines[1], "info: { a: [ 1, { b: 2 } ], s: \"q\" } Map(1) { 1 => 2 } null undefined 10n");
  t.equal(lines[2], 'warn: [ 1 ]|{ k: 1 }|{"j":2}||%');
  t.equal(lines[3], 'error: boom');
  t.equal(lines[4], 'debug: NaN', '%d of a Symbol is NaN, not a thrown TypeError');
  t.equal(lines[5], 'error: Assertion failed: shown here');
  t.equal(lines[6], 'error: Assertion failed');
  t.same(lines.slice(7, 11), ['info: default: 1', 'info: default: 2', 'info: x: 1', 'info: default: 1']);
  t.same(lines.slice(11, 14), ['info: g', 'info:   inside', 'info: outside']);
  t.match(lines[14], /^debug: Trace: where\n\s+at /);
  t.equal(lines[15], 'info: { d: 1 }');
  t.equal(lines[16], 'info: Point { x: 1 } [Object: null prototype] {}');
  t.equal(lines[17], 'info: Headers {} URL {}');
  const r = await g.run<unknown[]>(`
    return [
      String(console), Object.keys(console).includes('log'), Object.getPrototypeOf(Object.getPrototypeOf(console)) === Object.prototype,
      Object.getOwnPropertyNames(Object.getPrototypeOf(console)).length,
      Object.entries(console).filter(([, f]) => f.length !== 0).map(([k]) => k),
    ];
  `);
  t.same(r, ['[object console]', true, true, 0, []], 'every console operation has length 0 (optional and variadic arguments)');
});

t.test('atob and btoa (forgiving base64)', async (t) => {
  const r = await g.run<unknown[]>(`
    const err = (f) => { try { return f(); } catch (e) { return e.constructor.name + '/' + e.name; } };
    return [
      btoa('hello'), btoa(''), btoa('\\u00ff\\u00fe'), err(() => btoa('€')),
      atob('aGVsbG8='), atob(' aGVs bG8 '), atob('aGVsbG8'), atob('/w=='), atob(null) === atob('null'),
      err(() => atob('a')), err(() => atob('aGVsbG8===')), err(() => atob('a*bc')), err(() => atob()),
      [atob.length, btoa.length],
    ];
  `);
  t.same(r, [
    'aGVsbG8=', '', '//4=', 'DOMException/InvalidCharacterError',
    'hello', 'hello', 'hello', '\u00ff', true,
    'DOMException/InvalidCharacterError', 'DOMException/InvalidCharacterError', 'DOMException/InvalidCharacterError', 'TypeError/TypeError',
    [1, 1],
  ]);
});

t.test('DOMException: names, codes, constants, Error prototype chain', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const e = new DOMException('gone', 'NotFoundError');
    const d = new DOMException();
    const own = Object.getOwnPropertyNames(e).filter((k) => k !== 'stack');
    return {
      e: [e.name, e.message, e.code, String(e), e instanceof Error, typeof e.stack],
      d: [d.name, d.message, d.code],
      custom: new DOMException('m', 'Whatever').code,
      constants: [DOMException.NOT_FOUND_ERR, e.ABORT_ERR, Object.getOwnPropertyDescriptor(DOMException, 'ABORT_ERR').writable],
      own,
      length: DOMException.length,
      keys: Object.keys(DOMException.prototype).slice(0, 3),
      brand: (() => { try { return Object.getOwnPropertyDescriptor(DOMException.prototype, 'name').get.call(new Error('x')); } catch (x) { return x.constructor.name; } })(),
    };
  `);
  t.same(r.e, ['NotFoundError', 'gone', 8, 'NotFoundError: gone', true, 'string']);
  t.same(r.d, ['Error', '', 0]);
  t.equal(r.custom, 0);
  t.same(r.constants, [8, 20, false]);
  t.same(r.own, [], 'name, message and code are prototype accessors');
  t.equal(r.length, 0);
  t.same(r.keys, ['name', 'message', 'code']);
  t.equal(r.brand, 'TypeError');
});

t.test('the global object is a ServiceWorkerGlobalScope, as harnesses and libraries look for', async (t) => {
  t.same(
    await g.run(`
      const out = [self instanceof ServiceWorkerGlobalScope, self instanceof WorkerGlobalScope, Object.prototype.toString.call(self)];
      out.push(Object.getPrototypeOf(ServiceWorkerGlobalScope) === WorkerGlobalScope, Object.getPrototypeOf(globalThis) === ServiceWorkerGlobalScope.prototype);
      for (const C of [WorkerGlobalScope, ServiceWorkerGlobalScope]) {
        try { new C(); out.push('constructed'); } catch (e) { out.push(e.name); }
        out.push(Object.getOwnPropertyDescriptor(globalThis, C.name).enumerable);
      }
      out.push(CryptoKey.length);
      return out;
    `),
    [true, true, '[object ServiceWorkerGlobalScope]', true, true, 'TypeError', false, 'TypeError', false, 0],
  );
});
