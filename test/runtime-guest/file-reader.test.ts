// FileReader and ProgressEvent inside a real isolate: the four read types and their packaging,
// encoding choice, the event sequence and its tasks, abort, InvalidStateError, handler
// attributes, and the interface shape.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('file-reader');
  // read(blob, method, ...args): resolves with the reader once `loadend` fired.
  await g.run(`
    globalThis.read = (blob, method, ...args) => new Promise((resolve) => {
      const r = new FileReader();
      r.onloadend = () => resolve(r);
      r[method](blob, ...args);
    });
    globalThis.bytes = (...b) => new Blob([new Uint8Array(b)]);
  `);
});
t.teardown(() => g.dispose());

t.test('interface: constants, initial state, handler attributes, lengths, brand checks', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const fr = new FileReader();
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name + '/' + e.name; } };
    return {
      constants: [FileReader.EMPTY, FileReader.LOADING, FileReader.DONE, fr.EMPTY, fr.LOADING, fr.DONE],
      initial: [fr.readyState, fr.result, fr.error],
      handlers: ['onloadstart', 'onprogress', 'onload', 'onabort', 'onerror', 'onloadend'].map((a) => fr[a]),
      eventTarget: fr instanceof EventTarget && Object.getPrototypeOf(FileReader.prototype) === EventTarget.prototype,
      lengths: [FileReader.length, ...['readAsArrayBuffer', 'readAsBinaryString', 'readAsText', 'readAsDataURL', 'abort'].map((m) => FileReader.prototype[m].length)],
      tag: Object.prototype.toString.call(fr),
      keys: Object.keys(FileReader.prototype),
      getterBrand: err(() => Object.getOwnPropertyDescriptor(FileReader.prototype, 'readyState').get.call(new EventTarget())),
      methodBrand: err(() => FileReader.prototype.readAsText.call({}, new Blob())),
      notBlob: err(() => fr.readAsText('text')),
      noArgument: err(() => fr.readAsArrayBuffer()),
      stillEmpty: fr.readyState,
      withoutNew: err(() => FileReader()),
    };
  `);
  t.same(r.constants, [0, 1, 2, 0, 1, 2]);
  t.same(r.initial, [0, null, null]);
  t.same(r.handlers, [null, null, null, null, null, null]);
  t.equal(r.eventTarget, true);
  t.same(r.lengths, [0, 1, 1, 1, 1, 0]);
  t.equal(r.tag, '[object FileReader]');
  t.same(r.keys, [
    'readAsArrayBuffer', 'readAsBinaryString', 'readAsText', 'readAsDataURL', 'abort', 'readyState', 'result', 'error',
    'onloadstart', 'onprogress', 'onload', 'onabort', 'onerror', 'onloadend', 'EMPTY', 'LOADING', 'DONE',
  ]);
  t.equal(r.getterBrand, 'TypeError/TypeError', 'an EventTarget is not a FileReader');
  t.equal(r.methodBrand, 'TypeError/TypeError');
  t.equal(r.notBlob, 'TypeError/TypeError');
  t.equal(r.noArgument, 'TypeError/TypeError');
  t.equal(r.stillEmpty, 0, 'a failed argument conversion does not start a read');
  t.equal(r.withoutNew, 'TypeError/TypeError');
});

t.test('results: ArrayBuffer, binary string, data: URL', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const all = new Uint8Array(256).map((_, i) => i);
    const ab = (await read(new Blob([all]), 'readAsArrayBuffer')).result;
    const bin = (await read(new Blob([all]), 'readAsBinaryString')).result;
    const big = new Uint8Array(100003).map((_, i) => (i * 7) & 255);
    const bigUrl = (await read(new Blob([big], { type: 'application/x-test' }), 'readAsDataURL')).result;
    const decoded = atob(bigUrl.slice(bigUrl.indexOf(',') + 1));
    return {
      ab: [ab instanceof ArrayBuffer, ab.byteLength, new Uint8Array(ab)[255]],
      fresh: (await read(new Blob(['x']), 'readAsArrayBuffer')).result !== (await read(new Blob(['x']), 'readAsArrayBuffer')).result,
      bin: [bin.length, bin.charCodeAt(0), bin.charCodeAt(200), bin.charCodeAt(255)],
      dataUrls: [
        (await read(new Blob(['TEST'], { type: 'text/plain' }), 'readAsDataURL')).result,
        (await read(new Blob(['TEST']), 'readAsDataURL')).result,
        (await read(new Blob([]), 'readAsDataURL')).result,
        (await read(new Blob(['ab']), 'readAsDataURL')).result,
        (await read(new Blob(['abcd'], { type: 'text/plain;charset=utf-8' }), 'readAsDataURL')).result,
      ],
      big: bigUrl.startsWith('data:application/x-test;base64,') && decoded.length === big.length && [...big].every((b, i) => decoded.charCodeAt(i) === b),
      file: (await read(new File(['f'], 'f.txt', { type: 'text/plain' }), 'readAsText')).result,
    };
  `);
  t.same(r.ab, [true, 256, 255]);
  t.equal(r.fresh, true, 'every read makes a new ArrayBuffer');
  t.same(r.bin, [256, 0, 200, 255], 'one code unit per byte');
  t.same(r.dataUrls, [
    'data:text/plain;base64,VEVTVA==',
    'data:application/octet-stream;base64,VEVTVA==',
    'data:application/octet-stream;base64,',
    'data:application/octet-stream;base64,YWI=',
    'data:text/plain;charset=utf-8;base64,YWJjZA==',
  ]);
  t.equal(r.big, true, 'a 100 KB data: URL decodes back to the same bytes');
  t.equal(r.file, 'f', 'a File is a Blob');
});

t.test('readAsText: encoding argument, then the type charset, then UTF-8; a BOM wins', async (t) => {
  const r = await g.run<string[]>(`
    const text = async (blob, ...args) => (await read(blob, 'readAsText', ...args)).result;
    return [
      await text(new Blob(['hellö'])),
      await text(bytes(0x68, 0x00, 0x69, 0x00), 'UTF-16LE'),
      await text(bytes(0xe9), ' windows-1252 '),
      await text(new Blob([new Uint8Array([0x00, 0x68, 0x00, 0x69])], { type: 'text/plain;charset=UTF-16BE' })),
      await text(new Blob([new Uint8Array([0xe9])], { type: 'text/plain;charset=latin1' }), 'no-such-label'),
      await text(bytes(0xef, 0xbb, 0xbf, 0x68, 0x69), 'utf-16le'),
      await text(bytes(0xfe, 0xff, 0x00, 0x68, 0x00, 0x69)),
      await text(bytes(0xff, 0xfe, 0x68, 0x00, 0x69, 0x00), 'windows-1252'),
      await text(bytes(0xc3, 0x28)),
      await text(bytes(0x41), 'iso-2022-kr'),
      await text(new Blob([]), 'iso-2022-kr'),
      await text(bytes(0xe9), 'x-user-defined'),
    ];
  `);
  t.same(r, ['hellö', 'hi', 'é', 'hi', 'é', 'hi', 'hi', 'hi', '\ufffd(', '\ufffd', '', '\uf7e9']);
});

t.test('events: loadstart, progress, load, loadend as ProgressEvents, each in its own task', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const log = (fr, out) => {
      for (const type of ['loadstart', 'progress', 'load', 'loadend', 'abort', 'error']) {
        fr.addEventListener(type, (e) => out.push([e.type, fr.readyState, fr.result === null, e.loaded, e.total, e.lengthComputable, e.isTrusted, e.bubbles, e.cancelable, e instanceof ProgressEvent, e.target === fr]));
      }
    };
    const run = (blob) => new Promise((resolve) => {
      const fr = new FileReader();
      const out = [];
      log(fr, out);
      fr.readAsText(blob);
      out.push(['sync', fr.readyState]);
      fr.addEventListener('loadend', () => resolve(out));
    });
    // Microtasks queued by a listener run before the next event: a promise reaction to load comes
    // before loadend, as after a browser's microtask checkpoint.
    const order = await new Promise((resolve) => {
      const fr = new FileReader();
      const seen = [];
      fr.onload = () => { seen.push('load'); Promise.resolve().then(() => seen.push('microtask after load')); };
      fr.onprogress = () => { seen.push('progress'); setTimeout(() => seen.push('timer from progress'), 0); };
      fr.onloadend = () => { seen.push('loadend'); setTimeout(() => resolve(seen), 5); };
      fr.readAsArrayBuffer(new Blob(['x']));
    });
    const handlerAndListener = await new Promise((resolve) => {
      const fr = new FileReader();
      const calls = [];
      fr.onload = function (e) { calls.push(['handler', this === fr, e.type]); };
      fr.addEventListener('load', () => calls.push(['listener']));
      fr.onloadend = () => resolve(calls);
      fr.readAsText(new Blob(['y']));
    });
    return { full: await run(new Blob(['abc'])), empty: await run(new Blob([])), order, handlerAndListener };
  `);
  t.same(r.full, [
    ['sync', 1],
    ['loadstart', 1, true, 0, 3, true, true, false, false, true, true],
    ['progress', 1, true, 3, 3, true, true, false, false, true, true],
    ['load', 2, false, 3, 3, true, true, false, false, true, true],
    ['loadend', 2, false, 3, 3, true, true, false, false, true, true],
  ]);
  t.same(r.empty, [
    ['sync', 1],
    ['loadstart', 1, true, 0, 0, true, true, false, false, true, true],
    ['load', 2, false, 0, 0, true, true, false, false, true, true],
    ['loadend', 2, false, 0, 0, true, true, false, false, true, true],
  ], 'an empty Blob has no progress event');
  t.same(r.order, ['progress', 'load', 'microtask after load', 'loadend', 'timer from progress'], 'the read queued its tasks before the app did');
  t.same(r.handlerAndListener, [['handler', true, 'load'], ['listener']]);
});

t.test('InvalidStateError while loading; a new read from loadend or load is allowed', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const fr = new FileReader();
    fr.readAsText(new Blob(['one']));
    let busy;
    try { fr.readAsDataURL(new Blob(['two'])); } catch (e) { busy = [e instanceof DOMException, e.name, e.code]; }
    const first = await new Promise((resolve) => { fr.onloadend = () => resolve(fr.result); });
    // From loadend: the state is DONE, so a second read may start.
    const second = await new Promise((resolve) => {
      fr.onloadend = () => { fr.onloadend = () => resolve([fr.result, fr.readyState]); fr.readAsText(new Blob(['two'])); };
      fr.readAsText(new Blob(['again']));
    });
    // From load: the new read suppresses the first read's loadend.
    const fromLoad = await new Promise((resolve) => {
      const r2 = new FileReader();
      const seen = [];
      r2.onload = () => { seen.push('load:' + r2.result); if (seen.length === 1) r2.readAsText(new Blob(['B'])); };
      r2.onloadend = () => { seen.push('loadend:' + r2.result); resolve(seen); };
      r2.readAsText(new Blob(['A']));
    });
    return { busy, first, second, fromLoad };
  `);
  t.same(r.busy, [true, 'InvalidStateError', 11]);
  t.equal(r.first, 'one', 'the first read was not disturbed');
  t.same(r.second, ['two', 2]);
  t.same(r.fromLoad, ['load:A', 'load:B', 'loadend:B']);
});

t.test('abort: before a read, while loading (synchronous abort and loadend), in loadstart with a restart, after the read', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const events = (fr, out) => { for (const type of ['loadstart', 'progress', 'load', 'loadend', 'abort', 'error']) fr.addEventListener(type, (e) => out.push(type + ':' + fr.readyState + (type === 'abort' ? ':' + e.loaded + '/' + e.total : ''))); };
    const idle = new FileReader();
    const idleEvents = [];
    events(idle, idleEvents);
    idle.abort();

    const loading = new FileReader();
    const loadingEvents = [];
    events(loading, loadingEvents);
    loading.readAsText(new Blob(['data']));
    loading.abort();
    const afterAbort = [loading.readyState, loading.result, loading.error, [...loadingEvents]];
    await new Promise((resolve) => setTimeout(resolve, 10));

    const restarted = await new Promise((resolve) => {
      const fr = new FileReader();
      const seen = [];
      fr.onloadstart = () => {
        seen.push('loadstart');
        fr.abort();
        fr.onloadstart = null;
        fr.onloadend = () => resolve([...seen, 'loadend:' + fr.result]);
        fr.readAsText(new Blob(['second']));
      };
      fr.onabort = () => seen.push('abort');
      fr.onload = () => seen.push('load:' + fr.result);
      fr.readAsText(new Blob([new Uint8Array(1 << 20)]));
    });

    const done = await read(new Blob(['x']), 'readAsText');
    const doneEvents = [];
    events(done, doneEvents);
    done.abort();
    return { idle: [idle.readyState, idle.result, idleEvents], afterAbort, lateEvents: loadingEvents.slice(afterAbort[3].length), restarted, done: [done.readyState, done.result, doneEvents] };
  `);
  t.same(r.idle, [0, null, []], 'nothing to abort: no events, still EMPTY');
  t.same(r.afterAbort, [2, null, null, ['abort:2:0/4', 'loadend:2']], 'abort and loadend fire before abort() returns');
  t.same(r.lateEvents, [], 'the aborted read fires nothing later');
  t.same(r.restarted, ['loadstart', 'abort', 'load:second', 'loadend:second']);
  t.same(r.done, [2, null, []], 'aborting a finished read clears the result and fires nothing');
});

t.test('a throwing listener is reported and the read goes on', async (t) => {
  const r = await g.run<unknown>(`
    const reported = [];
    addEventListener('error', (e) => { reported.push(e.message); e.preventDefault(); });
    const fr = new FileReader();
    fr.onprogress = () => { throw new Error('listener failed'); };
    await new Promise((resolve) => { fr.onloadend = resolve; fr.readAsText(new Blob(['z'])); });
    return [fr.result, reported.some((m) => m.includes('listener failed'))];
  `);
  t.same(r, ['z', true]);
});

t.test('ProgressEvent: constructor, init conversions, defaults', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const e = new ProgressEvent('progress', { lengthComputable: 1, loaded: '5', total: 10.5, bubbles: true });
    const err = (f) => { try { f(); return 'ok'; } catch (x) { return x.constructor.name; } };
    const d = new ProgressEvent('x');
    return {
      e: [e.type, e.lengthComputable, e.loaded, e.total, e.bubbles, e.isTrusted, e instanceof Event],
      defaults: [d.lengthComputable, d.loaded, d.total],
      nan: err(() => new ProgressEvent('x', { loaded: NaN })),
      infinite: err(() => new ProgressEvent('x', { total: Infinity })),
      noType: err(() => new ProgressEvent()),
      brand: err(() => Object.getOwnPropertyDescriptor(ProgressEvent.prototype, 'loaded').get.call(new Event('x'))),
      keys: Object.keys(ProgressEvent.prototype),
    };
  `);
  t.same(r.e, ['progress', true, 5, 10.5, true, false, true]);
  t.same(r.defaults, [false, 0, 0]);
  t.equal(r.nan, 'TypeError', 'loaded and total are restricted doubles');
  t.equal(r.infinite, 'TypeError');
  t.equal(r.noType, 'TypeError');
  t.equal(r.brand, 'TypeError');
  t.same(r.keys, ['lengthComputable', 'loaded', 'total']);
});

t.test('app code replacing globals does not change how FileReader reads', async (t) => {
  const r = await g.run<unknown>(`
    const saved = [TextDecoder.prototype.decode, Object.getOwnPropertyDescriptor(Blob.prototype, 'type'), String.fromCharCode];
    TextDecoder.prototype.decode = () => 'hijacked';
    Object.defineProperty(Blob.prototype, 'type', { get: () => 'text/evil', configurable: true });
    String.fromCharCode = () => 'hijacked';
    Object.defineProperty(Object.prototype, 'bubbles', { get: () => true, configurable: true });
    try {
      const fr = await read(bytes(0x68, 0x00), 'readAsText', 'utf-16le');
      const bubbles = await new Promise((resolve) => { const r2 = new FileReader(); r2.onload = (e) => resolve(e.bubbles); r2.readAsText(new Blob([])); });
      return [
        fr.result,
        (await read(new Blob(['a'], { type: 'text/plain' }), 'readAsDataURL')).result,
        (await read(bytes(0x41), 'readAsBinaryString')).result,
        bubbles,
      ];
    } finally {
      TextDecoder.prototype.decode = saved[0];
      Object.defineProperty(Blob.prototype, 'type', saved[1]);
      String.fromCharCode = saved[2];
      delete Object.prototype.bubbles;
    }
  `);
  t.same(r, ['h', 'data:text/plain;base64,YQ==', 'A', false]);
});
