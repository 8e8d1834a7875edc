// The Body mixin of Request and Response inside a real isolate: BodyInit extraction and content
// types, every reader, bodyUsed, clone() as a tee, the spec's TypeErrors on reuse, and `.body`.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('body-test');
});
t.teardown(() => g.dispose());

t.test('BodyInit types and the Content-Type each one sets', async (t) => {
  t.same(
    await g.run(`
      const ct = (body) => new Response(body).headers.get('content-type');
      return [
        ct('s'), ct(new Uint8Array(1)), ct(new ArrayBuffer(1)), ct(new Blob(['x'], { type: 'image/png' })), ct(new Blob(['x'])),
        ct(new URLSearchParams('a=1')), ct(new ReadableStream()), ct(null), ct(undefined), ct(12),
        new Response('x', { headers: { 'content-type': 'mine/own' } }).headers.get('content-type'),
      ];
    `),
    ['text/plain;charset=UTF-8', null, null, 'image/png', null, 'application/x-www-form-urlencoded;charset=UTF-8', null, null, null, 'text/plain;charset=UTF-8', 'mine/own'],
  );
});

t.test('readers: text, json, arrayBuffer, bytes, blob (MIME type from the headers)', async (t) => {
  t.same(
    await g.run(`
      const r = () => new Response('{"a":[1,"\\u00e9"]}', { headers: { 'Content-Type': 'Application/JSON; Charset="utf-8"' } });
      const blob = await r().blob();
      const ab = await r().arrayBuffer();
      const bytes = await r().bytes();
      const viewed = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
      return [
        await r().text(), await r().json(), ab instanceof ArrayBuffer, ab.byteLength, bytes instanceof Uint8Array, bytes.length,
        blob.type, blob.size, [...await new Response(viewed).bytes()],
        await new Response('\\ufeffbom').text(), await new Response('{bad').json().then(() => 'ok', (e) => e.name),
        await new Response(null).text(), (await new Response().arrayBuffer()).byteLength,
      ];
    `),
    ['{"a":[1,"é"]}', { a: [1, 'é'] }, true, 14, true, 14, 'application/json;charset=utf-8', 14, [2, 3], 'bom', 'SyntaxError', '', 0],
  );
});

t.test('bodyUsed and the TypeError on a second read, for byte and stream bodies', async (t) => {
  t.same(
    await g.run(`
      const out = [];
      const a = new Response('x');
      out.push(a.bodyUsed);
      await a.text();
      out.push(a.bodyUsed, await a.text().then(() => 'ok', (e) => e.name), await a.blob().then(() => 'ok', (e) => e.name));
      const s = new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([65])); c.close(); } }));
      const reader = s.body.getReader();
      out.push(s.bodyUsed, await s.text().then(() => 'ok', (e) => e.name));
      await reader.read();
      out.push(s.bodyUsed);
      out.push(new Response(null).bodyUsed, new Response(null).body);
      return out;
    `),
    [false, true, 'TypeError', 'TypeError', false, 'TypeError', true, false, null],
  );
});

t.test('.body of a byte body is a byte stream, created once; reading it uses the body', async (t) => {
  t.same(
    await g.run(`
      const r = new Response('hello');
      const body = r.body;
      const same = body === r.body;
      const reader = body.getReader({ mode: 'byob' });
      const { value } = await reader.read(new Uint8Array(2));
      const rest = [];
      for (;;) { const x = await reader.read(new Uint8Array(16)); if (x.done) break; rest.push(new TextDecoder().decode(x.value)); }
      const afterText = await new Response('abc').text();
      return [same, body instanceof ReadableStream, new TextDecoder().decode(value), rest.join(''), r.bodyUsed, afterText];
    `),
    [true, true, 'he', 'llo', true, 'abc'],
  );
});

t.test('clone() tees stream bodies: both branches read the same bytes independently', async (t) => {
  t.same(
    await g.run(`
      let pulls = 0;
      const r = new Response(new ReadableStream({ pull(c) { pulls++; if (pulls > 3) c.close(); else c.enqueue(new TextEncoder().encode('c' + pulls)); } }), { status: 201, headers: { 'x-a': '1' } });
      const c = r.clone();
      const [a, b] = await Promise.all([r.text(), c.text()]);
      const bytesClone = new Response('same').clone();
      const used = new Response('x'); await used.text();
      let err = null; try { used.clone(); } catch (e) { err = e.name; }
      const locked = new Response(new ReadableStream()); locked.body.getReader();
      let err2 = null; try { locked.clone(); } catch (e) { err2 = e.name; }
      return [a, b, c.status, c.headers.get('x-a'), await bytesClone.text(), err, err2];
    `),
    ['c1c2c3', 'c1c2c3', 201, '1', 'same', 'TypeError', 'TypeError'],
  );
});

t.test('a locked or disturbed stream cannot become a body; bad chunks are a TypeError', async (t) => {
  t.same(
    await g.run(`
      const out = [];
      const locked = new ReadableStream(); locked.getReader();
      try { new Response(locked); } catch (e) { out.push(e.name); }
      const disturbed = new ReadableStream(); await disturbed.cancel();
      try { new Response(disturbed); } catch (e) { out.push(e.name); }
      const bad = new Response(new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close(); } }));
      out.push(await bad.text().then(() => 'ok', (e) => e.name));
      return out;
    `),
    ['TypeError', 'TypeError', 'TypeError'],
  );
});

t.test('Request bodies: GET/HEAD refuse one, streams need duplex, new Request(req) proxies it and uses the input', async (t) => {
  t.same(
    await g.run(`
      const out = [];
      try { new Request('http://x/', { body: 'b' }); } catch (e) { out.push(e.name); }
      try { new Request('http://x/', { method: 'POST', body: new ReadableStream() }); } catch (e) { out.push(e.name); }
      const streamed = new Request('http://x/', { method: 'POST', body: new ReadableStream({ start(c) { c.enqueue(new Uint8Array([104, 105])); c.close(); } }), duplex: 'half' });
      out.push(streamed.duplex);
      const a = new Request('http://x/', { method: 'POST', body: 'payload' });
      const b = new Request(a);
      out.push(a.bodyUsed, await b.text());
      try { new Request(a); } catch (e) { out.push(e.name); }
      const c = new Request(streamed, { method: 'PUT' });
      out.push(streamed.bodyUsed, c.method, await c.text());
      const d = new Request('http://x/', { method: 'POST', body: 'keep' });
      const e2 = new Request(d, { body: 'replaced' });
      out.push(d.bodyUsed, await e2.text(), await d.text().then(() => 'ok', (e) => e.name));
      const viaBody = new Request('http://x/', { method: 'POST', body: 'shared' });
      const original = viaBody.body;
      const f = new Request(viaBody);
      out.push(viaBody.body === original, f.body !== original, viaBody.bodyUsed, await f.text());
      try { new Request('http://x/', { method: 'POST', body: 'x', duplex: 'full' }); } catch (e) { out.push(e.name); }
      return out;
    `),
    ['TypeError', 'TypeError', 'half', true, 'payload', 'TypeError', true, 'PUT', 'hi', true, 'replaced', 'TypeError', true, true, true, 'shared', 'TypeError'],
  );
});

t.test('Request/Response body methods are brand-checked', async (t) => {
  t.same(
    await g.run(`
      const out = [];
      out.push(await Response.prototype.text.call({}).then(() => 'ok', (e) => e.name));
      out.push(await Request.prototype.json.call(new Response('1')).then(() => 'ok', (e) => e.name));
      try { Object.getOwnPropertyDescriptor(Response.prototype, 'bodyUsed').get.call({}); } catch (e) { out.push(e.name); }
      return out;
    `),
    ['TypeError', 'TypeError', 'TypeError'],
  );
});

t.test('RequestInit: enums, window, mode and cache rules are TypeErrors; members are read in order', async (t) => {
  t.same(
    await g.run(`
      const bad = [{ mode: 'navigate' }, { window: {} }, { cache: 'only-if-cached' }, { mode: 'no-cors', method: 'PUT' }, { referrerPolicy: 'nope' },
        { credentials: 'x' }, { redirect: 'x' }, { priority: 'x' }, { referrer: 'http://[' }];
      const out = bad.map((init) => { try { new Request('http://x/', init); return 'ok'; } catch (e) { return e.name; } });
      const order = [];
      const spy = new Proxy({}, { get(_, k) { if (typeof k === 'string') order.push(k); return undefined; } });
      new Request('http://x/', spy);
      const r = new Request('http://x/', { referrer: '', mode: 'same-origin', cache: 'no-store', credentials: 'omit', window: null });
      return [out, order.join(','), [r.referrer, r.mode, r.cache, r.credentials]];
    `),
    [
      ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError'],
      'body,cache,credentials,duplex,headers,integrity,keepalive,method,mode,priority,redirect,referrer,referrerPolicy,signal,window',
      ['', 'same-origin', 'no-store', 'omit'],
    ],
  );
});
