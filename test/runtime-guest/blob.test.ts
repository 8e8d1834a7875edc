// Blob and File inside a real isolate: parts, type normalisation, slice, readers, streams, brand
// checks, WebIDL conversions and structuredClone.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('blob-test');
});
t.teardown(() => g.dispose());

t.test('Blob: parts of every kind, size, type and readers', async (t) => {
  t.same(
    await g.run(`
      const inner = new Blob(['in']);
      const b = new Blob(['ab', new Uint8Array([99]), new Uint16Array([0x6564]).buffer, new DataView(new Uint8Array([102]).buffer), inner, 42]);
      return [b.size, b.type, await b.text(), [...await b.bytes()].length, (await b.arrayBuffer()).byteLength];
    `),
    [10, '', 'abcdefin42', 10, 10],
  );
  t.same(await g.run(`return [new Blob().size, await new Blob([]).text(), new Blob(undefined, undefined).type]`), [0, '', '']);
});

t.test('Blob: type is lowercased, or empty when it holds non-printable ASCII', async (t) => {
  t.same(await g.run(`return [new Blob([], { type: 'Text/HTML' }).type, new Blob([], { type: 'a\\u00e9' }).type, new Blob([], { type: 'a\\tb' }).type]`), ['text/html', '', '']);
});

t.test('Blob: endings "native" turns CR and CRLF into LF; other values are a TypeError', async (t) => {
  t.same(await g.run(`return [await new Blob(['a\\r\\nb\\rc'], { endings: 'native' }).text(), await new Blob(['a\\r\\n'], { endings: 'transparent' }).text()]`), ['a\nb\nc', 'a\r\n']);
  t.equal(await g.run(`try { new Blob([], { endings: 'weird' }); } catch (e) { return e.name; }`), 'TypeError');
});

t.test('Blob: WebIDL conversions of parts and options', async (t) => {
  t.same(
    await g.run(`
      const errs = [];
      for (const bad of [null, 1, 'str', {}]) { try { new Blob(bad); errs.push('no'); } catch (e) { errs.push(e.name); } }
      try { new Blob([], 5); errs.push('no'); } catch (e) { errs.push(e.name); }
      const order = [];
      new Blob([], { get type() { order.push('type'); return ''; }, get endings() { order.push('endings'); return 'native'; } });
      const fromIter = await new Blob({ *[Symbol.iterator]() { yield 'x'; yield 'y'; } }).text();
      const lone = await new Blob(['\\ud800']).bytes();
      return [errs, order, fromIter, [...lone]];
    `),
    [['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError'], ['endings', 'type'], 'xy', [0xef, 0xbf, 0xbd]],
  );
});

t.test('Blob.slice: negative and clamped offsets, content type, no copy of the parent', async (t) => {
  t.same(
    await g.run(`
      const b = new Blob(['0123456789'], { type: 'text/plain' });
      return [
        await b.slice(2, 5).text(), await b.slice(-3).text(), await b.slice(-100, 2).text(), await b.slice(8, 100).text(),
        await b.slice(5, 2).text(), b.slice().type, b.slice(0, 1, 'X/Y').type, await b.slice(1, 9).slice(2, -2).text(), b.slice(Infinity).size, b.slice(2 ** 60).size,
      ];
    `),
    ['234', '789', '01', '89', '', '', 'x/y', '3456', 10, 0],
  );
});

t.test('Blob.stream: a byte stream in order, readable with a BYOB reader', async (t) => {
  t.same(
    await g.run(`
      const big = new Uint8Array(200000).map((_, i) => i & 255);
      const reader = new Blob([big]).stream().getReader();
      let n = 0, ok = true, chunks = 0;
      for (;;) { const { done, value } = await reader.read(); if (done) break; for (const v of value) { if (v !== (n & 255)) ok = false; n++; } chunks++; }
      const byob = new Blob(['hello']).stream().getReader({ mode: 'byob' });
      const { value } = await byob.read(new Uint8Array(3));
      return [n, ok, chunks > 1, new TextDecoder().decode(value)];
    `),
    [200000, true, true, 'hel'],
  );
});

t.test('Blob/File brand checks and prototype shape', async (t) => {
  t.same(
    await g.run(`
      const get = (o, k) => Object.getOwnPropertyDescriptor(o, k).get;
      const out = [];
      try { get(Blob.prototype, 'size').call({}); } catch (e) { out.push(e.name); }
      try { Blob.prototype.text.call({}).catch((e) => 0); out.push('promise'); } catch (e) { out.push('threw'); }
      try { get(File.prototype, 'name').call(new Blob()); } catch (e) { out.push(e.name); }
      out.push(Object.prototype.toString.call(new Blob()), Object.prototype.toString.call(new File([], 'f')));
      out.push(Object.getPrototypeOf(File.prototype) === Blob.prototype, typeof Blob.prototype.bytes);
      return out;
    `),
    ['TypeError', 'promise', 'TypeError', '[object Blob]', '[object File]', true, 'function'],
  );
  t.match(await g.run(`return Blob.prototype.text.call({}).then(() => 'ok', (e) => e.name)`), 'TypeError', 'methods reject on a wrong receiver');
});

t.test('File: name, lastModified, type and argument checks', async (t) => {
  t.same(
    await g.run(`
      const before = Date.now();
      const f = new File(['a', 'b'], 'dir/n\\u00e9.txt', { type: 'TEXT/plain', lastModified: 1234.9 });
      const d = new File([], 'x');
      const out = [f.name, f.lastModified, f.type, f.size, await f.text(), d.lastModified >= before, f instanceof Blob];
      try { new File([]); } catch (e) { out.push(e.name); }
      out.push(new File([], 'n', { lastModified: NaN }).lastModified);
      return out;
    `),
    ['dir/né.txt', 1234, 'text/plain', 2, 'ab', true, true, 'TypeError', 0],
  );
});

t.test('structuredClone keeps Blob and File', async (t) => {
  t.same(
    await g.run(`
      const f = structuredClone(new File(['data'], 'n.bin', { type: 'a/b', lastModified: 7 }));
      const b = structuredClone(new Blob(['x'], { type: 'q/r' }));
      return [f instanceof File, f.name, f.lastModified, f.type, await f.text(), b instanceof Blob, b.type, await b.text()];
    `),
    [true, 'n.bin', 7, 'a/b', 'data', true, 'q/r', 'x'],
  );
});
