// CompressionStream and DecompressionStream inside a real isolate (zlib on the host): round
// trips in every format, interop with known bytes, errors as TypeErrors, bounded decompression.
import t from 'tap';
import { brotliCompressSync, brotliDecompressSync, gzipSync, deflateSync, deflateRawSync, gunzipSync } from 'node:zlib';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('compression-test');
});
t.teardown(() => g.dispose());

const helpers = `
  const pipe = (bytes, stream) => new Response(new Blob([bytes]).stream().pipeThrough(stream)).bytes();
  const fromHex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
  const toHex = (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
`;

t.test('round trips in gzip, deflate, deflate-raw and brotli, chunk by chunk', async (t) => {
  t.same(
    await g.run(`${helpers}
      const input = new TextEncoder().encode('NANO streams '.repeat(5000));
      const out = [];
      for (const f of ['gzip', 'deflate', 'deflate-raw', 'brotli']) {
        const cs = new CompressionStream(f);
        const w = cs.writable.getWriter();
        for (let i = 0; i < input.length; i += 1000) w.write(input.subarray(i, i + 1000));
        w.close();
        const packed = await new Response(cs.readable).bytes();
        const back = await pipe(packed, new DecompressionStream(f));
        out.push([f, packed.length < input.length / 10, back.length === input.length && back.every((v, i) => v === input[i])]);
      }
      return out;
    `),
    [
      ['gzip', true, true],
      ['deflate', true, true],
      ['deflate-raw', true, true],
      ['brotli', true, true],
    ],
  );
});

t.test('interoperates with Node zlib in both directions', async (t) => {
  const text = 'interop ✓ '.repeat(100);
  const inputs = { gzip: gzipSync(text), deflate: deflateSync(text), 'deflate-raw': deflateRawSync(text), brotli: brotliCompressSync(text) };
  const decoded = await g.run<string[]>(`${helpers}
    const inputs = ${JSON.stringify(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.toString('hex')])))};
    const out = [];
    for (const [f, hex] of Object.entries(inputs)) out.push(new TextDecoder().decode(await pipe(fromHex(hex), new DecompressionStream(f))));
    return out;
  `);
  t.same(decoded, [text, text, text, text]);
  const packed = await g.run<string>(`${helpers} return toHex(await pipe(new TextEncoder().encode(${JSON.stringify(text)}), new CompressionStream('gzip')));`);
  t.equal(gunzipSync(Buffer.from(packed, 'hex')).toString(), text);
  const brotli = await g.run<string>(`${helpers} return toHex(await pipe(new TextEncoder().encode(${JSON.stringify(text)}), new CompressionStream('brotli')));`);
  t.equal(brotliDecompressSync(Buffer.from(brotli, 'hex')).toString(), text);
});

t.test('bytes past the end of the compressed data: the output comes first, then the error', async (t) => {
  const good = { gzip: gzipSync('hello'), deflate: deflateSync('hello'), 'deflate-raw': deflateRawSync('hello'), brotli: brotliCompressSync('hello') };
  t.same(
    await g.run(`${helpers}
      const inputs = ${JSON.stringify(Object.fromEntries(Object.entries(good).map(([k, v]) => [k, v.toString('hex')])))};
      const out = [];
      for (const [f, hex] of Object.entries(inputs)) {
        const ds = new DecompressionStream(f);
        const reader = ds.readable.getReader();
        const writer = ds.writable.getWriter();
        const wrote = writer.write(new Uint8Array([...fromHex(hex), 0])).then(() => 'write ok', (e) => 'write ' + e.name);
        const first = await reader.read();
        const second = await reader.read().then(() => 'second read ok', (e) => 'second read ' + e.name);
        out.push([f, new TextDecoder().decode(first.value), second, await wrote]);
      }
      return out;
    `),
    [
      ['gzip', 'hello', 'second read TypeError', 'write ok'],
      ['deflate', 'hello', 'second read TypeError', 'write ok'],
      ['deflate-raw', 'hello', 'second read TypeError', 'write ok'],
      ['brotli', 'hello', 'second read TypeError', 'write ok'],
    ],
  );
});

t.test('bad input, trailing data and truncation error both sides with a TypeError', async (t) => {
  const good = deflateSync('hello').toString('hex');
  t.same(
    await g.run(`${helpers}
      const attempt = async (bytes, f) => {
        const ds = new DecompressionStream(f);
        const w = ds.writable.getWriter();
        const wrote = w.write(bytes).then(() => 'ok', (e) => e.name);
        const closed = w.close().then(() => 'ok', (e) => e.name);
        const read = await new Response(ds.readable).text().then((t) => 'read ' + t, (e) => e.name + ': ' + e.message);
        return [read.split(':')[0], await closed];
      };
      const good = fromHex('${good}');
      return [
        await attempt(new Uint8Array([1, 2, 3, 4, 5, 6]), 'gzip'),
        await attempt(new Uint8Array([...good, 1, 2, 3]), 'deflate'),
        await attempt(good.subarray(0, good.length - 4), 'deflate'),
        await attempt(good, 'deflate'),
      ];
    `),
    [
      ['TypeError', 'TypeError'],
      ['TypeError', 'TypeError'],
      ['TypeError', 'TypeError'],
      ['read hello', 'ok'],
    ],
  );
});

t.test('constructor and chunk checks', async (t) => {
  t.same(
    await g.run(`
      const out = [];
      for (const f of ['brotli', 'GZIP', undefined]) { try { new CompressionStream(f); out.push('ok'); } catch (e) { out.push(e.name); } }
      try { new DecompressionStream(); } catch (e) { out.push(e.name); }
      const cs = new CompressionStream('gzip');
      const w = cs.writable.getWriter();
      out.push(await w.write('a string').then(() => 'ok', (e) => e.name));
      out.push(await cs.readable.getReader().read().then(() => 'ok', (e) => e.name));
      try { Object.getOwnPropertyDescriptor(CompressionStream.prototype, 'readable').get.call(new DecompressionStream('gzip')); } catch (e) { out.push(e.name); }
      out.push(Object.prototype.toString.call(new DecompressionStream('deflate')));
      return out;
    `),
    ['ok', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', '[object DecompressionStream]'],
  );
});

t.test('a decompression bomb is produced only as fast as it is read', async (t) => {
  // 64 MiB of zeros in ~64 KiB of gzip.
  const bomb = gzipSync(Buffer.alloc(64 << 20)).toString('hex');
  t.same(
    await g.run(`${helpers}
      const ds = new DecompressionStream('gzip');
      const w = ds.writable.getWriter();
      let written = false;
      w.write(fromHex('${bomb}')).then(() => (written = true));
      w.close().catch(() => {});
      const reader = ds.readable.getReader();
      const first = await reader.read();
      await new Promise((r) => setTimeout(r, 50));
      const stalled = !written;
      let total = first.value.length;
      for (;;) { const { done, value } = await reader.read(); if (done) break; total += value.length; }
      return [first.value.length <= 2 ** 20, stalled, total, written];
    `, 20_000),
    [true, true, 64 << 20, true],
  );
});
