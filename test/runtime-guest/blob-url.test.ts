// URL.createObjectURL / revokeObjectURL and fetch of blob: URLs inside real isolates: the URL
// format, the per-isolate store, the "blob" scheme fetch (status, headers, body, ranges, network
// errors) and that it never waits on the host.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('blob-url');
  await g.run(`globalThis.failure = async (p) => { try { await p; return 'resolved'; } catch (e) { return e.constructor.name + ': ' + e.message; } };`);
});
t.teardown(() => g.dispose());

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

t.test('createObjectURL: blob:null/<uuid> for Blobs and Files, unique, parses as a URL with origin "null"', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    const url = URL.createObjectURL(new Blob(['x']));
    const u = new URL(url);
    const many = new Set(Array.from({ length: 1000 }, () => URL.createObjectURL(new Blob())));
    return {
      url, file: URL.createObjectURL(new File(['f'], 'f.txt')),
      parsed: [u.protocol, u.origin, u.host, u.href === url],
      unique: many.size,
      notBlob: [err(() => URL.createObjectURL('x')), err(() => URL.createObjectURL({})), err(() => URL.createObjectURL())],
      revokeArgs: [err(() => URL.revokeObjectURL()), err(() => URL.revokeObjectURL('not a url')), err(() => URL.revokeObjectURL('https://example.com/'))],
      shape: [URL.createObjectURL.length, URL.revokeObjectURL.length, Object.keys(URL).includes('createObjectURL'), typeof URL.prototype.createObjectURL],
    };
  `);
  t.match(r.url, new RegExp(`^blob:null/${UUID}$`));
  t.match(r.file, new RegExp(`^blob:null/${UUID}$`));
  t.same(r.parsed, ['blob:', 'null', '', true]);
  t.equal(r.unique, 1000);
  t.same(r.notBlob, ['TypeError', 'TypeError', 'TypeError']);
  t.same(r.revokeArgs, ['TypeError', 'ok', 'ok'], 'revoking something that is no blob: URL does nothing');
  t.same(r.shape, [1, 1, true, 'undefined'], 'static operations');
});

t.test('fetch of a blob: URL: 200 OK, Content-Type and Content-Length from the Blob, the bytes as body', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const blob = new Blob(['hello ', new Uint8Array([0xe2, 0x82, 0xac])], { type: 'Text/Plain;charset=UTF-8' });
    const url = URL.createObjectURL(blob);
    const res = await fetch(url);
    const describe = async (res) => [res.status, res.statusText, res.ok, res.type, res.url, res.redirected, [...res.headers], await res.text()];
    return {
      res: await describe(res),
      fragment: await describe(await fetch(url + '#frag')),
      empty: await describe(await fetch(URL.createObjectURL(new Blob([])))),
      invalidType: (await fetch(URL.createObjectURL(new Blob([], { type: 'invalid' })))).headers.get('content-type'),
      blobBack: await (async () => { const b = await (await fetch(url)).blob(); return [b.type, b.size]; })(),
      request: await (await fetch(new Request(url))).text(),
      twice: (await (await fetch(url)).text()) === (await (await fetch(url)).text()),
    };
  `);
  t.same(r.res, [200, 'OK', true, 'basic', (r.res as string[])[4], false, [['content-length', '9'], ['content-type', 'text/plain;charset=utf-8']], 'hello €']);
  t.match((r.res as string[])[4], new RegExp(`^blob:null/${UUID}$`));
  t.equal((r.fragment as unknown[])[7], 'hello €', 'the fragment is ignored when the URL is resolved');
  t.match((r.fragment as string[])[4], new RegExp(`^blob:null/${UUID}$`), "the response URL has no fragment");
  t.same((r.empty as unknown[]).slice(0, 2), [200, 'OK']);
  t.same((r.empty as unknown[])[6], [['content-length', '0'], ['content-type', '']], 'an empty type is an empty Content-Type');
  t.equal(r.invalidType, '', 'a type that is no MIME type is served as none');
  t.same(r.blobBack, ['text/plain;charset=utf-8', 9]);
  t.equal(r.request, 'hello €');
  t.equal(r.twice, true, 'fetching does not consume the entry');
});

t.test('network errors: revoked and unknown URLs, other methods, changed paths and queries', async (t) => {
  const r = await g.run<Record<string, string>>(`
    const blob = new Blob(['data']);
    const revoked = URL.createObjectURL(blob);
    URL.revokeObjectURL(revoked);
    const url = URL.createObjectURL(blob);
    URL.revokeObjectURL(url + '#fragment');
    const out = {
      revoked: await failure(fetch(revoked)),
      unknown: await failure(fetch('blob:null/00000000-0000-4000-8000-000000000000')),
      notBacked: await failure(fetch('blob:not-backed-by-a-blob/')),
      query: await failure(fetch(url + '?q')),
      path: await failure(fetch(url + '/more')),
      revokeWithFragment: await (await fetch(url)).text(),
    };
    for (const method of ['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'CUSTOM']) out[method] = await failure(fetch(url, { method }));
    URL.revokeObjectURL(url);
    out.revokedLater = await failure(fetch(url));
    return out;
  `);
  t.match(r.revoked, /^TypeError: Failed to fetch: the blob: URL was revoked or never created in this app\.$/);
  t.match(r.unknown, /^TypeError: /);
  t.match(r.notBacked, /^TypeError: /);
  t.match(r.query, /^TypeError: /, 'a query makes it another URL');
  t.match(r.path, /^TypeError: /);
  t.equal(r.revokeWithFragment, 'data', 'revoking needs the exact URL');
  for (const method of ['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'CUSTOM']) t.match(r[method], /^TypeError: .*only GET/, `${method} is a network error`);
  t.match(r.revokedLater, /^TypeError: /);
});

t.test('a Request resolves the URL when it is made: revoking afterwards does not matter, clones keep it', async (t) => {
  const r = await g.run<unknown[]>(`
    const url = URL.createObjectURL(new Blob(['kept']));
    const request = new Request(url);
    const fromRequest = new Request(request, { headers: { 'x-a': '1' } });
    const pending = fetch(url);
    URL.revokeObjectURL(url);
    return [
      await (await pending).text(),
      await (await fetch(request)).text(),
      await (await fetch(request.clone())).text(),
      await (await fetch(fromRequest)).text(),
      await failure(fetch(url)),
    ];
  `);
  t.same(r.slice(0, 4), ['kept', 'kept', 'kept', 'kept']);
  t.match(r[4], /^TypeError: /, 'a new fetch of the revoked URL fails');
});

t.test('Range: one byte range gives 206 with Content-Range; anything else is a network error', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const url = URL.createObjectURL(new Blob(['A simple Hello, World! example'], { type: 'text/plain' }));
    const ranged = async (range) => {
      const res = await fetch(url, { headers: { Range: range } });
      return [res.status, res.statusText, res.headers.get('content-length'), res.headers.get('content-range'), res.headers.get('content-type'), await res.text()];
    };
    const out = {
      simple: await ranged('bytes=9-21'),
      open: await ranged('bytes=23-'),
      suffix: await ranged('bytes=-7'),
      longSuffix: await ranged('bytes=-1000'),
      whitespace: await ranged('bytes \\t= 2 -\\t7'),
      clamped: await ranged('bytes=23-100000000000'),
      caseInsensitive: await ranged('BYTES=0-0'),
    };
    for (const bad of ['', 'bytes', 'bytes=', 'bytes=-', 'bytes=5-2', 'bytes=0-1,3-4', 'bytes=30-', 'bytes=x-1', 'items=0-1', 'bytes=-0']) {
      out[JSON.stringify(bad)] = await failure(fetch(url, { headers: { Range: bad } }));
    }
    out.emptyBlob = await failure(fetch(URL.createObjectURL(new Blob([])), { headers: { Range: 'bytes=-1' } }));
    return out;
  `);
  t.same(r.simple, [206, 'Partial Content', '13', 'bytes 9-21/30', 'text/plain', 'Hello, World!']);
  t.same(r.open, [206, 'Partial Content', '7', 'bytes 23-29/30', 'text/plain', 'example']);
  t.same(r.suffix, [206, 'Partial Content', '7', 'bytes 23-29/30', 'text/plain', 'example']);
  t.same(r.longSuffix, [206, 'Partial Content', '30', 'bytes 0-29/30', 'text/plain', 'A simple Hello, World! example'], 'a suffix longer than the Blob selects all of it');
  t.same(r.whitespace, [206, 'Partial Content', '6', 'bytes 2-7/30', 'text/plain', 'simple']);
  t.same(r.clamped, [206, 'Partial Content', '7', 'bytes 23-29/30', 'text/plain', 'example']);
  t.same(r.caseInsensitive, [206, 'Partial Content', '1', 'bytes 0-0/30', 'text/plain', 'A']);
  for (const bad of ['', 'bytes', 'bytes=', 'bytes=-', 'bytes=5-2', 'bytes=0-1,3-4', 'bytes=30-', 'bytes=x-1', 'items=0-1', 'bytes=-0']) {
    t.match(r[JSON.stringify(bad)], /^TypeError: /, `Range ${JSON.stringify(bad)} is a network error`);
  }
  t.match(r.emptyBlob, /^TypeError: /);
});

t.test('a blob: fetch settles without a host round trip; an aborted signal still wins', async (t) => {
  const r = await g.run<unknown[]>(`
    const url = URL.createObjectURL(new Blob(['local']));
    // Host op results arrive in a later isolate entry; microtasks of this one cannot see them.
    let settled = false;
    const p = fetch(url).then((res) => res.text()).then((text) => { settled = text; });
    for (let i = 0; i < 20 && settled === false; i++) await Promise.resolve();
    await p;
    const controller = new AbortController();
    controller.abort();
    return [settled, await failure(fetch(url, { signal: controller.signal }))];
  `);
  t.same(r, ['local', 'DOMException: This operation was aborted']);
});

t.test('the store is per isolate: another app cannot fetch or revoke this one\'s URLs', async (t) => {
  const other = await createGuest('blob-url-other');
  t.teardown(() => other.dispose());
  const url = await g.run<string>(`return (globalThis.shared = URL.createObjectURL(new Blob(['mine'])));`);
  const r = await other.run<string[]>(`
    const out = [];
    try { await fetch(${JSON.stringify(url)}); out.push('fetched'); } catch (e) { out.push(e.constructor.name); }
    URL.revokeObjectURL(${JSON.stringify(url)});
    return out;
  `);
  t.same(r, ['TypeError']);
  t.equal(await g.run(`return (await fetch(shared)).text();`), 'mine', "the other isolate's revoke did not touch this store");
});

t.test('a scope with a location (as in WPT) gets blob URLs of its origin', async (t) => {
  const scoped = await createGuest('blob-url-location');
  t.teardown(() => scoped.dispose());
  const r = await scoped.run<string[]>(`
    globalThis.location = { href: 'https://app.example:8443/dir/page' };
    const url = URL.createObjectURL(new Blob(['x']));
    return [url, new URL(url).origin, await (await fetch(url)).text()];
  `);
  t.match(r[0], new RegExp(`^blob:https://app\\.example:8443/${UUID}$`));
  t.equal(r[1], 'https://app.example:8443');
  t.equal(r[2], 'x');
});
