// TextEncoder and TextDecoder inside a real isolate: UTF-8 (replacement, fatal, BOM, streaming),
// UTF-16LE/BE, the legacy labels users meet (decoded by the host), labels and the interface shape.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('encoding');
});
t.teardown(() => g.dispose());

t.test('TextEncoder: encode, lone surrogates, encodeInto', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const e = new TextEncoder();
    const dest = new Uint8Array(5);
    const err = (f) => { try { f(); return 'ok'; } catch (x) { return x.constructor.name; } };
    return {
      encoding: e.encoding,
      abc: [...e.encode('aé€😀')],
      lone: [...e.encode('\\ud800x')],
      empty: e.encode().length,
      into: e.encodeInto('a😀b', dest),
      dest: [...dest],
      noDest: err(() => e.encodeInto('x', new Uint16Array(2))),
      brand: err(() => TextEncoder.prototype.encode.call({}, 'x')),
      encodingBrand: err(() => Object.getOwnPropertyDescriptor(TextEncoder.prototype, 'encoding').get.call({})),
      lengths: [TextEncoder.length, TextEncoder.prototype.encode.length, TextEncoder.prototype.encodeInto.length],
    };
  `);
  t.equal(r.encoding, 'utf-8');
  t.same(r.abc, [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  t.same(r.lone, [0xef, 0xbf, 0xbd, 0x78], 'a lone surrogate becomes U+FFFD (USVString)');
  t.equal(r.empty, 0);
  t.same(r.into, { read: 3, written: 5 }, 'a character that does not fit entirely is not written');
  t.same(r.dest, [0x61, 0xf0, 0x9f, 0x98, 0x80]);
  t.equal(r.noDest, 'TypeError');
  t.equal(r.brand, 'TypeError');
  t.equal(r.encodingBrand, 'TypeError');
  t.same(r.lengths, [0, 0, 2]);
});

t.test('TextDecoder UTF-8: replacement, fatal, BOM, streaming across chunks', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const d = new TextDecoder();
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const keep = new TextDecoder('utf-8', { ignoreBOM: true });
    const bytes = new TextEncoder().encode('€😀');
    const s = new TextDecoder();
    let streamed = '';
    for (const b of bytes) streamed += s.decode(new Uint8Array([b]), { stream: true });
    streamed += s.decode();
    const cut = new TextDecoder();
    const partial = cut.decode(bytes.subarray(0, 2), { stream: true }) + '|' + cut.decode();
    let fatalErr;
    try { fatal.decode(new Uint8Array([0x61, 0xff])); } catch (e) { fatalErr = e.constructor.name; }
    return {
      replace: d.decode(new Uint8Array([0x61, 0xff, 0xc3, 0x62, 0xe2, 0x82])),
      overlong: d.decode(new Uint8Array([0xc0, 0xaf, 0xed, 0xa0, 0x80])).length,
      fatalErr,
      fatalOk: fatal.decode(new Uint8Array([0xe2, 0x82, 0xac])),
      bom: [d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), keep.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])).length],
      streamed,
      partial,
      views: [d.decode(new Uint16Array([0x6968])), d.decode(new DataView(new Uint8Array([0x20, 0x6f, 0x6b]).buffer, 1)), d.decode(new Uint8Array([0x61]).buffer)],
      attrs: [d.encoding, d.fatal, d.ignoreBOM, fatal.fatal, keep.ignoreBOM],
    };
  `);
  t.equal(r.replace, 'a\ufffd\ufffdb\ufffd');
  t.equal(r.overlong, 5, 'overlong and surrogate sequences: one U+FFFD per maximal subpart');
  t.equal(r.fatalErr, 'TypeError');
  t.equal(r.fatalOk, '€');
  t.same(r.bom, ['A', 2], 'the BOM is stripped unless ignoreBOM');
  t.equal(r.streamed, '€😀', 'one byte at a time');
  t.equal(r.partial, '|\ufffd', 'an incomplete sequence at the end flushes as U+FFFD');
  t.same(r.views, ['hi', 'ok', 'a']);
  t.same(r.attrs, ['utf-8', false, false, true, true]);
});

t.test('UTF-16LE/BE, surrogate pairs split across chunks, odd bytes', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const le = new TextDecoder('utf-16le');
    const be = new TextDecoder('UTF-16BE');
    const pair = new Uint8Array([0x3d, 0xd8, 0x00, 0xde]); // U+1F600 little endian
    let split = '';
    const s = new TextDecoder('utf-16');
    for (const b of pair) split += s.decode(new Uint8Array([b]), { stream: true });
    split += s.decode();
    return {
      le: le.decode(new Uint8Array([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00])),
      be: be.decode(new Uint8Array([0xfe, 0xff, 0x00, 0x68, 0x00, 0x69])),
      split,
      odd: le.decode(new Uint8Array([0x68, 0x00, 0x69])),
      lone: le.decode(new Uint8Array([0x00, 0xd8, 0x68, 0x00])),
      encodings: [le.encoding, be.encoding, new TextDecoder('utf-16').encoding, new TextDecoder('unicodefffe').encoding],
    };
  `);
  t.equal(r.le, 'hi');
  t.equal(r.be, 'hi');
  t.equal(r.split, '😀');
  t.equal(r.odd, 'h\ufffd');
  t.equal(r.lone, '\ufffdh');
  t.same(r.encodings, ['utf-16le', 'utf-16be', 'utf-16le', 'utf-16be']);
});

t.test('legacy encodings through the host: latin1, windows-1252, iso-8859-2, Shift_JIS streaming, gb18030', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const sjis = new TextDecoder('shift_jis');
    const bytes = new Uint8Array([0x82, 0xa0, 0x82, 0xa2]); // あい
    let streamed = '';
    for (const b of bytes) streamed += sjis.decode(new Uint8Array([b]), { stream: true });
    streamed += sjis.decode();
    let fatalErr;
    try { new TextDecoder('shift_jis', { fatal: true }).decode(new Uint8Array([0x82])); } catch (e) { fatalErr = e.constructor.name; }
    return {
      names: ['latin1', 'ascii', 'iso-8859-1', 'ISO-8859-2', 'sjis', 'gbk', 'big5', 'euc-kr', 'koi8-r', 'x-user-defined'].map((l) => new TextDecoder(l).encoding),
      cp1252: new TextDecoder('latin1').decode(new Uint8Array([0x80, 0xe9, 0x41])),
      latin2: new TextDecoder('iso-8859-2').decode(new Uint8Array([0xa3])),
      streamed,
      fatalErr,
      gb: new TextDecoder('gb18030').decode(new Uint8Array([0x81, 0x30, 0x81, 0x30])),
      userDefined: new TextDecoder('x-user-defined').decode(new Uint8Array([0x41, 0x80, 0xff])).split('').map((c) => c.charCodeAt(0)),
    };
  `);
  t.same(r.names, ['windows-1252', 'windows-1252', 'windows-1252', 'iso-8859-2', 'shift_jis', 'gbk', 'big5', 'euc-kr', 'koi8-r', 'x-user-defined']);
  t.equal(r.cp1252, '€éA', 'latin1 is windows-1252, as the Encoding Standard says');
  t.equal(r.latin2, 'Ł');
  t.equal(r.streamed, 'あい', 'a multi-byte character split across chunks decodes');
  t.equal(r.fatalErr, 'TypeError');
  t.equal(r.gb, '\u0080');
  t.same(r.userDefined, [0x41, 0xf780, 0xf7ff]);
});

t.test('labels: ASCII whitespace trimmed, case-insensitive, invalid and replacement are RangeError', async (t) => {
  const r = await g.run<string[]>(`
    const label = (l) => { try { return new TextDecoder(l).encoding; } catch (e) { return e.constructor.name; } };
    return [label(' \\tUTF8\\n'), label('\\u00a0utf-8'), label('utf-7'), label('iso-2022-kr'), label('replacement'), label(''), label('\\u212Aoi8-r')];
  `);
  t.same(r, ['utf-8', 'RangeError', 'RangeError', 'RangeError', 'RangeError', 'RangeError', 'RangeError']);
});

t.test('TextDecoder options and arguments are WebIDL-converted', async (t) => {
  const r = await g.run<string[]>(`
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    return [
      err(() => new TextDecoder('utf-8', 5)),
      err(() => new TextDecoder('utf-8', null)),
      err(() => new TextDecoder().decode('abc')),
      err(() => new TextDecoder().decode(new Uint8Array(1), 5)),
      err(() => TextDecoder.prototype.decode.call({})),
      String(TextDecoder.length) + String(TextDecoder.prototype.decode.length),
    ];
  `);
  t.same(r, ['TypeError', 'ok', 'TypeError', 'TypeError', 'TypeError', '00']);
});

t.test('decoding does not call a String.fromCharCode the app replaced', async (t) => {
  const r = await g.run<string[]>(`
    const saved = String.fromCharCode;
    String.fromCharCode = () => 'hijacked';
    try {
      return [
        new TextDecoder().decode(new Uint8Array([0x68, 0xc3, 0xa9])),
        new TextDecoder('utf-16le').decode(new Uint8Array([0x68, 0x00])),
        new TextDecoder('x-user-defined').decode(new Uint8Array([0x41, 0x80])),
        await new Blob(['text']).text(),
      ];
    } finally {
      String.fromCharCode = saved;
    }
  `);
  t.same(r, ['hé', 'h', 'A\uf780', 'text']);
});
