// Streams additions inside a real isolate: ReadableStream.from and async iteration (from the
// polyfill), TextEncoderStream and TextDecoderStream.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('streams-test');
});
t.teardown(() => g.dispose());

t.test('ReadableStream.from takes sync and async iterables; streams are async iterable', async (t) => {
  t.same(
    await g.run(`
      const collect = async (s) => { const out = []; for await (const x of s) out.push(x); return out; };
      const fromArray = await collect(ReadableStream.from([1, 2, 3]));
      const fromAsync = await collect(ReadableStream.from((async function* () { yield 'a'; yield 'b'; })()));
      let cancelled = false;
      const s = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel() { cancelled = true; } });
      for await (const x of s) break;
      const kept = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
      for await (const x of kept.values({ preventCancel: true })) break;
      let notIterable = null;
      try { ReadableStream.from(5); } catch (e) { notIterable = e.name; }
      return [fromArray, fromAsync, cancelled, kept.locked, notIterable, typeof ReadableStream.prototype[Symbol.asyncIterator]];
    `),
    [[1, 2, 3], ['a', 'b'], true, false, 'TypeError', 'function'],
  );
});

t.test('TextEncoderStream: UTF-8 out, surrogate pairs split across chunks joined', async (t) => {
  t.same(
    await g.run(`
      const s = new TextEncoderStream();
      const w = s.writable.getWriter();
      w.write('a\\ud83d'); w.write('\\ude00b'); w.write(''); w.write('\\ud800'); w.close();
      const chunks = [];
      for await (const c of s.readable) chunks.push([...c]);
      return [s.encoding, chunks, Object.prototype.toString.call(s)];
    `),
    ['utf-8', [[0x61], [0xf0, 0x9f, 0x98, 0x80, 0x62], [0xef, 0xbf, 0xbd]], '[object TextEncoderStream]'],
  );
});

t.test('TextDecoderStream: multi-byte sequences across chunks, options, fatal errors', async (t) => {
  t.same(
    await g.run(`
      const decode = async (chunks, label, opts) => {
        const s = new TextDecoderStream(label, opts);
        const w = s.writable.getWriter();
        for (const c of chunks) w.write(c);
        w.close().catch(() => {});
        const out = [];
        try { for await (const x of s.readable) out.push(x); } catch (e) { out.push(e.name); }
        return out;
      };
      const euro = [0xe2, 0x82, 0xac];
      const d = new TextDecoderStream('UTF-8', { fatal: true, ignoreBOM: true });
      return [
        await decode([new Uint8Array([0xef, 0xbb, 0xbf, 0x41, euro[0]]), new Uint8Array(euro.slice(1))]),
        await decode([new Uint8Array([0x41, 0xff])], 'utf-8', { fatal: true }),
        await decode([new Uint8Array([0xe2, 0x82])]),
        await decode(['not bytes']),
        await decode([new Uint8Array([0xe9]).buffer], 'latin1'),
        [d.encoding, d.fatal, d.ignoreBOM],
      ];
    `),
    [['A', '€'], ['TypeError'], ['\ufffd'], ['TypeError'], ['é'], ['utf-8', true, true]],
  );
  t.equal(await g.run(`try { new TextDecoderStream('nope'); } catch (e) { return e.name; }`), 'RangeError');
});

t.test('text streams pipe together and brand-check their getters', async (t) => {
  t.same(
    await g.run(`
      const piped = ReadableStream.from(['h\\u00e9', 'llo']).pipeThrough(new TextEncoderStream()).pipeThrough(new TextDecoderStream());
      let text = ''; for await (const x of piped) text += x;
      const out = [text];
      try { Object.getOwnPropertyDescriptor(TextDecoderStream.prototype, 'readable').get.call({}); } catch (e) { out.push(e.name); }
      try { Object.getOwnPropertyDescriptor(TextEncoderStream.prototype, 'writable').get.call(new TextDecoderStream()); } catch (e) { out.push(e.name); }
      return out;
    `),
    ['héllo', 'TypeError', 'TypeError'],
  );
});
