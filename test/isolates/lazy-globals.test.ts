// The globals the runtime defines lazily (src/runtime-guest/lazy-globals.ts, native/lazy-load.cc)
// look like every other web platform global to app code, and their implementation is evaluated
// only when an app first reaches one.
import t from 'tap';
import { RuntimeIsolate } from '../../src/isolates/runtime-isolate.js';
import { lazyLoadModule } from '../../src/isolates/runtime-image.js';

const LAZY = [
  'ProgressEvent', 'SubtleCrypto', 'CryptoKey', 'URLPattern', 'performance', 'Performance', 'PerformanceEntry', 'PerformanceMark',
  'PerformanceMeasure', 'Navigator', 'structuredClone', 'ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader',
  'ReadableStreamBYOBRequest', 'ReadableByteStreamController', 'ReadableStreamDefaultController', 'WritableStream',
  'WritableStreamDefaultWriter', 'WritableStreamDefaultController', 'TransformStream', 'TransformStreamDefaultController',
  'ByteLengthQueuingStrategy', 'CountQueuingStrategy', 'File', 'FileReader', 'FormData', 'TextEncoderStream', 'TextDecoderStream',
  'CompressionStream', 'DecompressionStream', 'fetch', 'navigator', 'DOMException', 'atob', 'btoa', 'crypto', 'Crypto', 'Blob', 'URL',
  'URLSearchParams', 'TextEncoder', 'TextDecoder', 'Event', 'CustomEvent', 'ErrorEvent', 'EventTarget', 'FetchEvent', 'AbortController',
  'AbortSignal', 'console', 'reportError', 'WebAssembly',
];

async function withIsolate<T>(fn: (iso: RuntimeIsolate) => Promise<T>): Promise<T> {
  const iso = await RuntimeIsolate.create({ name: 'lazy' });
  try {
    return await fn(iso);
  } finally {
    iso.dispose();
  }
}
const evalJson = (iso: RuntimeIsolate, code: string): unknown => JSON.parse(iso.context.evalSync(code) as string);

// NANO_LAZY_GLOBALS=0 switches the native module off: the same globals are then installed eagerly,
// and only the laziness checks below change their expectation.
const lazy = process.env.NANO_LAZY_GLOBALS !== '0';

t.test('the lazy-load native module is built and loads (scripts/build.mjs)', { skip: process.platform !== 'linux' || !lazy ? 'not built here' : false }, async (t) => {
  t.ok(lazyLoadModule(), 'dist/native/lazy-load.node loads with ivm.NativeModule');
});

t.test('each lazy global is a plain data property, before and after first use', async (t) => {
  await withIsolate(async (iso) => {
    const describe = `JSON.stringify(${JSON.stringify(LAZY)}.map((name) => {
      const d = Object.getOwnPropertyDescriptor(globalThis, name);
      return d && { name, accessor: 'get' in d || 'set' in d, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable,
        type: typeof d.value, fnName: typeof d.value === 'function' ? d.value.name : name, same: d.value === globalThis[name] };
    }))`;
    const first = evalJson(iso, describe) as Record<string, unknown>[];
    const again = evalJson(iso, describe);
    t.same(again, first, 'reading them changed nothing');
    for (const d of first) {
      t.same(
        { ...d, type: d.type === 'object' ? 'function' : d.type },
        { name: d.name, accessor: false, writable: true, enumerable: false, configurable: true, type: 'function', fnName: d.name, same: true },
        String(d.name),
      );
    }
    t.same(evalJson(iso, `JSON.stringify(Object.keys(globalThis).filter((k) => ${JSON.stringify(LAZY)}.includes(k)))`), [], 'none enumerable');
    t.same(evalJson(iso, `JSON.stringify([typeof __nano_native, typeof defineLazy, Object.getOwnPropertyNames(globalThis).filter((k) => /nano|lazy/i.test(k))])`), ['undefined', 'undefined', []], 'the native module stays out of reach');
  });
});

t.test('app code can replace or delete a lazy global before it was ever read', async (t) => {
  await withIsolate(async (iso) => {
    t.same(evalJson(iso, `globalThis.ReadableStream = 42; delete globalThis.WritableStream; JSON.stringify([ReadableStream, typeof WritableStream, 'WritableStream' in globalThis, Object.getOwnPropertyDescriptor(globalThis, 'ReadableStream')])`), [
      42, 'undefined', false, { value: 42, writable: true, enumerable: false, configurable: true },
    ]);
    t.equal(iso.context.evalSync(`String(new Response('x').body)`), '[object ReadableStream]', 'the runtime itself still has streams');
  });
});

t.test('the streams polyfill is evaluated on first use, not at isolate start', { skip: lazyLoadModule() === null ? 'eager runtime (no lazy-load module)' : false }, async (t) => {
  await withIsolate(async (iso) => {
    const used = (): number => iso.isolate.getHeapStatisticsSync().used_heap_size;
    const before = used();
    iso.context.evalSync(`new Response('hello'); new Headers({ a: 'b' }); void 0`);
    const afterHello = used();
    iso.context.evalSync(`void ReadableStream`);
    const afterStreams = used();
    t.ok(afterHello - before < 64 * 1024, `a request's classes add little (${afterHello - before} bytes)`);
    t.ok(afterStreams - afterHello > 100 * 1024, `reading ReadableStream evaluates the polyfill (${afterStreams - afterHello} bytes)`);
  });
});

t.test('a hello request evaluates none of the units behind events, abort, console, encoding, URL, Blob, crypto', { skip: lazyLoadModule() === null || !lazy ? 'eager runtime (no lazy-load module)' : false }, async (t) => {
  for (const global of ['DOMException', 'console', 'EventTarget', 'AbortController', 'TextEncoder', 'URL', 'Blob', 'crypto']) {
    // A garbage collection between the two readings can hide the growth: the global is then read
    // again in a fresh isolate (a unit that was already evaluated adds nothing in any of them).
    let grown = -1;
    for (let attempt = 0; attempt < 3 && grown <= 8 * 1024; attempt++) {
      grown = await withIsolate(async (iso) => {
        const used = (): number => iso.isolate.getHeapStatisticsSync().used_heap_size;
        iso.context.evalSync(`new Response('hello'); new Headers({ a: 'b' }); void 0`);
        const before = used();
        iso.context.evalSync(`void ${global}`);
        return used() - before;
      });
    }
    t.ok(grown > 8 * 1024, `reading ${global} evaluates its unit (${grown} bytes)`);
  }
});

t.test('the global is an EventTarget with enumerable own methods, also before the events unit is loaded', async (t) => {
  await withIsolate(async (iso) => {
    t.same(evalJson(iso, `JSON.stringify(['addEventListener', 'removeEventListener', 'dispatchEvent'].map((k) => {
      const d = Object.getOwnPropertyDescriptor(globalThis, k);
      return [d.enumerable, d.writable, d.configurable, d.value === EventTarget.prototype[k]];
    }))`), [[true, true, true, true], [true, true, true, true], [true, true, true, true]]);
    t.same(evalJson(iso, `let seen = 0; addEventListener('ping', (e) => { seen += e instanceof Event ? 1 : 100; }); dispatchEvent(new Event('ping')); JSON.stringify(seen)`), 1);
  });
});

t.test('built-ins an app replaced before the first stream are not what the streams code keeps', async (t) => {
  await withIsolate(async (iso) => {
    await iso.runScript(`
      const then = Promise.prototype.then;
      globalThis.calls = 0;
      globalThis.patched = function (...args) { calls++; return then.apply(this, args); };
      Promise.prototype.then = patched;
      const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
      const [a, b] = rs.tee();
      a.getReader().read(); b.getReader().read();
      globalThis.restored = Promise.prototype.then === patched;
      globalThis.afterLoad = calls;
    `, 'patched-then');
    // Microtasks have run by now (runScript's entry drained them).
    t.same(evalJson(iso, `JSON.stringify({ restored, calls, afterLoad })`), { restored: true, calls: 0, afterLoad: 0 }, "tee() never called the app's then");
  });
});

t.test('crypto.subtle loads on first use and stays the same object', async (t) => {
  await withIsolate(async (iso) => {
    t.same(evalJson(iso, `JSON.stringify([crypto.subtle === crypto.subtle, crypto.subtle instanceof SubtleCrypto, Object.getPrototypeOf(crypto.subtle) === SubtleCrypto.prototype, typeof CryptoKey])`), [true, true, true, 'function']);
  });
});
