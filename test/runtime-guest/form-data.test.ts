// FormData inside a real isolate: the entry list methods, File entries, iteration, and the
// multipart/urlencoded round trips through Request/Response bodies.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('form-data-test');
});
t.teardown(() => g.dispose());

t.test('append/set/get/getAll/has/delete keep order and replace in place', async (t) => {
  t.same(
    await g.run(`
      const fd = new FormData();
      fd.append('a', '1'); fd.append('b', '2'); fd.append('a', '3'); fd.append('c', 4);
      const first = [fd.get('a'), fd.getAll('a'), fd.has('b'), fd.has('z'), fd.get('z')];
      fd.set('a', 'x');
      const afterSet = [...fd];
      fd.delete('b');
      fd.set('new', 'n');
      return [first, afterSet, [...fd.keys()], [...fd.values()]];
    `),
    [
      ['1', ['1', '3'], true, false, null],
      [['a', 'x'], ['b', '2'], ['c', '4']],
      ['a', 'c', 'new'],
      ['x', '4', 'n'],
    ],
  );
});

t.test('Blob values become Files named "blob" or the given filename', async (t) => {
  t.same(
    await g.run(`
      const fd = new FormData();
      fd.append('b', new Blob(['hi'], { type: 'text/x' }));
      fd.append('f', new File(['yo'], 'orig.txt', { lastModified: 5 }));
      fd.append('g', new File(['yo'], 'orig.txt', { lastModified: 5 }), 'renamed.txt');
      fd.set('h', new Blob(['z']), 'h.bin');
      const b = fd.get('b'), f = fd.get('f'), gg = fd.get('g'), h = fd.get('h');
      return [b instanceof File, b.name, b.type, await b.text(), f.name, f.lastModified, gg.name, gg.lastModified, h.name];
    `),
    [true, 'blob', 'text/x', 'hi', 'orig.txt', 5, 'renamed.txt', 5, 'h.bin'],
  );
});

t.test('argument conversion: USVString names, overloads, missing arguments, forms', async (t) => {
  t.same(
    await g.run(`
      const out = [];
      const fd = new FormData();
      fd.append('\\ud800', 'v\\udc00');
      out.push([...fd][0]);
      try { fd.append('x', 'not a blob', 'name.txt'); } catch (e) { out.push(e.name); }
      try { fd.append('x'); } catch (e) { out.push(e.name); }
      try { new FormData({}); } catch (e) { out.push(e.name); }
      try { FormData.prototype.get.call({}, 'a'); } catch (e) { out.push(e.name); }
      out.push(Object.prototype.toString.call(fd), Object.prototype.toString.call(fd.entries()));
      out.push(new FormData(undefined) instanceof FormData);
      return out;
    `),
    [['\ufffd', 'v\ufffd'], 'TypeError', 'TypeError', 'TypeError', 'TypeError', '[object FormData]', '[object FormData Iterator]', true],
  );
});

t.test('iteration is live and forEach passes (value, name, formData)', async (t) => {
  t.same(
    await g.run(`
      const fd = new FormData();
      fd.append('a', '1');
      const it = fd.entries();
      fd.append('b', '2');
      const seen = [];
      for (const e of it) seen.push(e);
      const each = [];
      fd.forEach(function (v, k, p) { each.push([v, k, p === fd, this.tag]); }, { tag: 't' });
      return [seen, each];
    `),
    [
      [['a', '1'], ['b', '2']],
      [['1', 'a', true, 't'], ['2', 'b', true, 't']],
    ],
  );
});

t.test('FormData as a body: multipart with a boundary, parsed back by formData()', async (t) => {
  t.same(
    await g.run(`
      const fd = new FormData();
      fd.append('text', 'line1\\nline2');
      fd.append('quote"name', 'v');
      fd.append('file', new File([new Uint8Array([0, 1, 2, 255])], 'data.bin', { type: 'application/x-test' }));
      fd.append('untyped', new Blob(['u']));
      const res = new Response(fd);
      const ct = res.headers.get('content-type');
      const raw = await res.clone().text();
      const back = await res.formData();
      const file = back.get('file');
      return [
        /^multipart\\/form-data; boundary=[-A-Za-z0-9]+$/.test(ct),
        raw.includes('name="quote%22name"'), raw.includes('line1\\r\\nline2'), raw.includes('Content-Type: application/octet-stream'),
        [...back.keys()], back.get('text'), file.name, file.type, [...await file.bytes()], back.get('untyped').name,
      ];
    `),
    [true, true, true, true, ['text', 'quote%22name', 'file', 'untyped'], 'line1\r\nline2', 'data.bin', 'application/x-test', [0, 1, 2, 255], 'blob'],
  );
});

t.test('formData() parses urlencoded bodies and rejects other types', async (t) => {
  t.same(
    await g.run(`
      const a = await new Response('a=1&b=x+y&c=%C3%A9&&d', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } }).formData();
      const b = await new Request('http://x/', { method: 'POST', body: new URLSearchParams({ k: 'v w' }) }).formData();
      const errs = [];
      for (const ct of ['text/plain', null, 'multipart/form-data']) {
        const headers = ct === null ? {} : { 'content-type': ct };
        try { await new Response('x', { headers }).formData(); errs.push('no'); } catch (e) { errs.push(e.name); }
      }
      const empty = await new Response(null, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData();
      return [[...a], [...b], errs, [...empty]];
    `),
    [[['a', '1'], ['b', 'x y'], ['c', 'é'], ['d', '']], [['k', 'v w']], ['TypeError', 'TypeError', 'TypeError'], []],
  );
});

t.test('a hand-written multipart body (preamble, quoted params, file without type)', async (t) => {
  t.same(
    await g.run(`
      const body = 'preamble\\r\\n--XyZ\\r\\nContent-Disposition: form-data; name="field"\\r\\n\\r\\nvalue\\r\\n' +
        '--XyZ\\r\\ncontent-disposition: form-data; name="up"; filename="a b.txt"\\r\\n\\r\\nfile body\\r\\n--XyZ--\\r\\n';
      const fd = await new Response(body, { headers: { 'content-type': 'multipart/form-data; boundary="XyZ"' } }).formData();
      const f = fd.get('up');
      const bad = await new Response('--XyZ\\r\\nno headers end', { headers: { 'content-type': 'multipart/form-data; boundary=XyZ' } }).formData().then(() => 'ok', (e) => e.name);
      return [fd.get('field'), f.name, f.type, await f.text(), bad];
    `),
    ['value', 'a b.txt', 'text/plain', 'file body', 'TypeError'],
  );
});
