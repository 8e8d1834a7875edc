// fetch() from inside isolates against a real HTTP server on 127.0.0.1: responses, redirects,
// bodies both ways with backpressure, AbortSignal, the network policy's refusals; then, through a
// real `nano serve`, the per-app limits and the protection of NANO's own listeners.
import t from 'tap';
import { createServer, request, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createGuest, type Guest } from '../helpers/guest.js';
import { serve, fetchRaw, tempTree, ROOT, type Served } from '../helpers/serve.js';
import { FETCH_POLICY } from '../../src/host-calls/fetch.js';
import { APP_LIMIT_DEFAULTS } from '../../src/config/schema.js';

// --- the upstream server the apps call ---
const seen = { closedEarly: 0, streamWritten: 0 };
function upstream(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/json':
      res.writeHead(200, 'Fine', [['content-type', 'application/json'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-custom', 'yes']]);
      res.end('{"hello":"world"}');
      return;
    case '/redirect':
      res.writeHead(302, { location: '/json' }).end();
      return;
    case '/echo': {
      const hash = createHash('sha256');
      let length = 0;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        length += c.length;
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, contentType: req.headers['content-type'] ?? null, length, sha: hash.digest('hex'), host: req.headers.host, hop: req.headers.connection ?? null }));
      });
      return;
    }
    case '/hang':
      req.on('close', () => seen.closedEarly++);
      return; // never answers
    case '/slow':
      setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms') ?? 300));
      return;
    case '/stream': {
      // Writes 64 KiB chunks as fast as the socket takes them; counts what it managed to write.
      const chunk = Buffer.alloc(65536, 7);
      seen.streamWritten = 0;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      pour(res, Number(url.searchParams.get('mib') ?? 32) << 20, () => {
        seen.streamWritten += chunk.length;
        return chunk;
      });
      return;
    }
    case '/pattern':
      // mib MiB where byte i is (i * 31 + (i >> 12)) & 255, written in 100,003-byte pieces.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      pour(res, Number(url.searchParams.get('mib') ?? 1) << 20, (at, left) => {
        const piece = Buffer.alloc(Math.min(100_003, left));
        for (let k = 0; k < piece.length; k++) piece[k] = ((at + k) * 31 + ((at + k) >> 12)) & 255;
        return piece;
      });
      return;
    case '/cut':
      // 1 MiB of the body, then the connection dies.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(1 << 20, 3), () => setTimeout(() => res.destroy(), 50));
      return;
    case '/drip': {
      res.writeHead(200);
      res.write('first;');
      const timer = setInterval(() => res.write('more;'), 20);
      res.on('close', () => {
        clearInterval(timer);
        seen.closedEarly++;
      });
      return;
    }
    default:
      res.writeHead(404).end('no');
  }
}

/** Writes `total` bytes made by `piece(offset, bytesLeft)` as fast as the socket takes them, then ends. */
function pour(res: ServerResponse, total: number, piece: (at: number, left: number) => Buffer): void {
  let at = 0;
  const write = (): void => {
    while (at < total) {
      const b = piece(at, total - at);
      at += b.length;
      if (!res.write(b)) {
        res.once('drain', write);
        return;
      }
    }
    res.end();
  };
  write();
}

let server: Server;
let base = '';
let closedPort = 0;
let g: Guest;
t.before(async () => {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  closedPort = (probe.address() as AddressInfo).port;
  probe.close();
  server = createServer(upstream);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Loopback is refused by default: this guest is allowed it, as an app's fetch.allow would.
  g = await createGuest('fetch-test', [[FETCH_POLICY, { maxConcurrent: APP_LIMIT_DEFAULTS.subrequests, timeoutMs: APP_LIMIT_DEFAULTS.subrequestTimeoutMs, allow: ['127.0.0.1'], loopName: 'nano' }]]);
});
t.teardown(() => {
  g.dispose();
  server.closeAllConnections();
  server.close();
});

t.test('a GET: status, statusText, headers (Set-Cookie kept apart), url, type, body', async (t) => {
  t.same(
    await g.run(`
      const r = await fetch('${base}/json');
      return [r.status, r.ok, r.statusText, r.headers.get('x-custom'), r.headers.getSetCookie(), r.url, r.redirected, r.type, await r.json(), r.bodyUsed];
    `),
    [200, true, 'Fine', 'yes', ['a=1', 'b=2'], `${base}/json`, false, 'basic', { hello: 'world' }, true],
  );
});

t.test('redirects: followed (redirected, final url), manual, error', async (t) => {
  t.same(
    await g.run(`
      const followed = await fetch('${base}/redirect');
      const manual = await fetch('${base}/redirect', { redirect: 'manual' });
      const error = await fetch('${base}/redirect', { redirect: 'error' }).then(() => 'ok', (e) => e.name);
      return [followed.status, followed.redirected, followed.url, await followed.text(), manual.status, manual.headers.get('location'), error];
    `),
    [200, true, `${base}/json`, '{"hello":"world"}', 302, '/json', 'TypeError'],
  );
});

t.test('request bodies: bytes, string, Blob, FormData, URLSearchParams; hop headers dropped', async (t) => {
  const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
  const r = await g.run<{ method: string; contentType: string | null; length: number; sha: string; host: string; hop: string | null }[]>(`
    const send = async (body, init = {}) => (await fetch('${base}/echo', { method: 'POST', body, ...init })).json();
    const fd = new FormData(); fd.append('k', 'v');
    return [
      await send('text body', { headers: { connection: 'x-bogus', host: 'evil.example' } }),
      await send(new Uint8Array([1, 2, 3])),
      await send(new Blob(['blob'], { type: 'a/b' })),
      await send(fd),
      await send(new URLSearchParams('a=1')),
      await fetch('${base}/echo', { method: 'PUT', body: new Request('http://x/', { method: 'POST', body: 'via request' }).body, duplex: 'half' }).then((r) => r.json()),
    ];
  `);
  t.same(r[0], { method: 'POST', contentType: 'text/plain;charset=UTF-8', length: 9, sha: sha('text body'), host: base.slice(7), hop: 'keep-alive' });
  t.same([r[1]?.length, r[1]?.contentType], [3, null]);
  t.same([r[2]?.contentType, r[2]?.sha], ['a/b', sha('blob')]);
  t.match(r[3]?.contentType, /^multipart\/form-data; boundary=/);
  t.equal(r[4]?.contentType, 'application/x-www-form-urlencoded;charset=UTF-8');
  t.same([r[5]?.method, r[5]?.sha], ['PUT', sha('via request')]);
});

t.test('a streaming request body goes up chunk by chunk (duplex: "half")', async (t) => {
  const r = await g.run<{ length: number; sha: string }>(`
    let i = 0;
    const body = new ReadableStream({ pull(c) { if (i === 128) c.close(); else c.enqueue(new Uint8Array(65536).fill(i++)); } });
    return (await fetch('${base}/echo', { method: 'POST', body, duplex: 'half' })).json();
  `);
  const h = createHash('sha256');
  for (let i = 0; i < 128; i++) h.update(Buffer.alloc(65536, i));
  t.same([r.length, r.sha], [128 * 65536, h.digest('hex')]);
});

t.test('a streamed chunk larger than the host takes at once crosses in pieces, bytes intact', async (t) => {
  // 3 MiB + 5 in one chunk, with a byteLength the app shadowed: the guest splits by the real length.
  const r = await g.run<{ length: number; sha: string }>(`
    const big = new Uint8Array((3 << 20) + 5);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
    Object.defineProperty(big, 'byteLength', { value: 1 });
    const body = new ReadableStream({ start(c) { c.enqueue(big); c.close(); } });
    return (await fetch('${base}/echo', { method: 'POST', body, duplex: 'half' })).json();
  `);
  const big = Buffer.alloc((3 << 20) + 5);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
  t.same([r.length, r.sha], [big.length, createHash('sha256').update(big).digest('hex')]);
});

t.test('a response body streams down with backpressure: the server waits while the app does not read', async (t) => {
  const probe = g.run<number>(`
    const res = await fetch('${base}/stream?mib=64');
    const reader = res.body.getReader();
    await reader.read();
    globalThis.__resume = null;
    await new Promise((r) => (globalThis.__resume = r));
    let total = 0;
    for (;;) { const { done, value } = await reader.read(); if (done) break; total += value.length; }
    return total;
  `, 20_000);
  await new Promise((r) => setTimeout(r, 500));
  const written = seen.streamWritten;
  t.ok(written < 24 << 20, `the server wrote ${(written / 2 ** 20).toFixed(1)} MiB of 64 while the app was not reading`);
  await g.run(`globalThis.__resume(); return null;`);
  t.ok((await probe) > 40 << 20, 'the app then read the rest');
});

t.test('AbortSignal: before the response, during the body, and timeouts', async (t) => {
  const before = seen.closedEarly;
  t.same(
    await g.run(`
      const c = new AbortController();
      const p = fetch('${base}/hang', { signal: c.signal });
      setTimeout(() => c.abort(), 50);
      const a = await p.then(() => 'ok', (e) => [e.name, e instanceof DOMException]);
      const pre = await fetch('${base}/json', { signal: AbortSignal.abort('why') }).then(() => 'ok', (e) => e);
      const t0 = Date.now();
      const timed = await fetch('${base}/hang', { signal: AbortSignal.timeout(80) }).then(() => 'ok', (e) => e.name);
      const c2 = new AbortController();
      const res = await fetch('${base}/drip', { signal: c2.signal });
      const reader = res.body.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      c2.abort();
      const mid = await reader.read().then(() => 'ok', (e) => e.name);
      return [a, pre, timed, Date.now() - t0 < 2000, first.startsWith('first;'), mid];
    `),
    [['AbortError', true], 'why', 'TimeoutError', true, true, 'AbortError'],
  );
  await new Promise((r) => setTimeout(r, 100));
  t.ok(seen.closedEarly - before >= 3, 'the host closed the aborted upstream connections');
});

t.test('the network policy refuses link-local and metadata addresses with a clear TypeError', async (t) => {
  const results = await g.run<string[]>(`
    const out = [];
    for (const u of ['http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://[::ffff:169.254.169.254]/', 'http://169.254.1.1:8080/']) {
      out.push(await fetch(u).then(() => 'ok', (e) => e.name + ': ' + e.message));
    }
    return out;
  `);
  for (const r of results) t.match(r, /^TypeError: fetch to .* refused: .*fetch\.allow/, r);
});

t.test('other failures: refused connection, bad schemes, relative and invalid URLs', async (t) => {
  const [refused, ftp, relative, invalid, data] = await g.run<string[]>(`
    const f = (u, i) => fetch(u, i).then(async (r) => 'ok ' + (await r.text()), (e) => e.name + ': ' + e.message);
    return [await f('http://127.0.0.1:${closedPort}/'), await f('ftp://x/'), await f('/relative'), await f('http://[bad'), await f('data:,inline')];
  `);
  t.match(refused, new RegExp(`^TypeError: fetch to http://127\\.0\\.0\\.1:${closedPort} failed: ECONNREFUSED`));
  t.notMatch(refused, /\/work\/|node:|at /, 'no host paths or stacks');
  t.match(ftp, /^TypeError: .*scheme "ftp"/);
  t.match(relative, /^TypeError/);
  t.match(invalid, /^TypeError/);
  t.equal(data, 'ok inline');
  t.equal(await g.run(`return fetch().then(() => 'ok', (e) => e.name)`), 'TypeError');
});

t.test('fetched responses can be cloned, re-wrapped and returned as bodies', async (t) => {
  t.same(
    await g.run(`
      const r = await fetch('${base}/json');
      const c = r.clone();
      const wrapped = new Response(r.body, { status: 299, headers: r.headers });
      return [await c.text(), await wrapped.text(), wrapped.status, wrapped.headers.get('x-custom')];
    `),
    ['{"hello":"world"}', '{"hello":"world"}', 299, 'yes'],
  );
});

// --- per-app limits and NANO's own listeners, through `nano serve` ---
t.test('in nano serve: limits, loopback, own listener and admin port refused unless allowed', async (t) => {
  const admin = createServer((_req, res) => res.end('fake admin'));
  admin.listen(0, '127.0.0.1');
  await once(admin, 'listening');
  const adminPort = (admin.address() as AddressInfo).port;
  t.teardown(() => admin.close());
  const app = join(ROOT, 'test/fixtures/apps/fetcher');
  const upstreamPort = new URL(base).port;
  // The app may reach the upstream's port only; the config-wide list varies.
  const config = (allow: string[]): string =>
    JSON.stringify({
      admin: { host: '127.0.0.1', port: adminPort },
      fetch: { allow },
      defaults: { idleEvictMs: 0 },
      apps: [{ name: 'fetcher', path: app, default: true, limits: { subrequests: 2, subrequestTimeoutMs: 300 }, fetch: { allow: [`127.0.0.1:${upstreamPort}`] } }],
    });
  const dir = tempTree({ 'strict.json': config([]), 'open.json': config([`127.0.0.1:${adminPort}`, 'localhost']) });
  const s: Served = await serve(['--config', join(dir, 'strict.json')]);
  t.teardown(() => s.stop().then(() => undefined));
  const ask = async (srv: Served, url: string, n = 1): Promise<unknown> => JSON.parse((await fetchRaw(srv.port, `/?url=${encodeURIComponent(url)}&n=${n}`)).text) as unknown;

  t.same(await ask(s, `${base}/json`), { ok: true, status: 200, body: '{"hello":"world"}' }, 'the app\'s fetch.allow entry opens the upstream port');
  const other = (await ask(s, `http://127.0.0.1:${adminPort}/`)) as { ok: boolean; error: string };
  t.match(other.error, /refused: .*admin API/, 'the admin port is refused');
  const own = (await ask(s, `http://127.0.0.1:${s.port}/`)) as { ok: boolean; error: string };
  t.equal(own.ok, false);
  t.match(own.error, /^TypeError: fetch to http:\/\/127\.0\.0\.1:\d+ refused: .*listener of this NANO server/, 'a loop into its own listener is refused');
  const viaName = (await ask(s, `http://localhost:${s.port}/`)) as { error: string };
  t.match(viaName.error, /refused/, 'also by host name');
  const mapped = (await ask(s, `http://[::ffff:127.0.0.1]:${s.port}/`)) as { error: string };
  t.match(mapped.error, /refused/, 'and as an IPv4-mapped IPv6 address');
  const timedOut = (await ask(s, `${base}/hang`)) as { error: string };
  t.match(timedOut.error, /^TypeError: .*timed out: no response within 300 ms \(limits\.subrequestTimeoutMs\)/);
  const many = (await ask(s, `${base}/slow?ms=100`, 3)) as { ok: boolean; error?: string }[];
  t.same(many.map((r) => r.ok), [true, true, false], 'a third concurrent subrequest is refused');
  t.match(many[2]?.error, /limits\.subrequests/);
  t.same(await ask(s, `${base}/slow?ms=10`), { ok: true, status: 200, body: 'slow' }, 'slots are released once bodies are read');
  const proxied = await fetchRaw(s.port, `/?proxy=${encodeURIComponent(`${base}/stream?mib=16`)}`);
  t.same([proxied.status, proxied.body.length, proxied.headers['content-type']], [200, 16 << 20, 'application/octet-stream'], 'a fetched response streams through as the app\'s response');
  const upload = Buffer.alloc(3 << 20, 9);
  const echoed = JSON.parse((await fetchRaw(s.port, `/?proxy=${encodeURIComponent(`${base}/echo`)}`, { method: 'POST', body: upload })).text) as { length: number; sha: string };
  t.same([echoed.length, echoed.sha], [upload.length, createHash('sha256').update(upload).digest('hex')], 'request.body streams up as a subrequest body');

  const open = await serve(['--config', join(dir, 'open.json')]);
  t.teardown(() => open.stop().then(() => undefined));
  t.same(await ask(open, `http://127.0.0.1:${adminPort}/`), { ok: true, status: 200, body: 'fake admin' }, 'a fetch.allow entry naming the port lifts the refusal');
  const loop = (await ask(open, `http://localhost:${open.port}/?url=data:,x`)) as { ok: boolean; error: string };
  t.match(loop.error, /listener of this NANO server/, 'an entry without a port does not open the server\'s own listener');
});

t.test('in nano serve: a fetched body returned unread is piped by the host', async (t) => {
  const app = join(ROOT, 'test/fixtures/apps/fetcher');
  const dir = tempTree({ 'nano.json': JSON.stringify({ defaults: { idleEvictMs: 0 }, fetch: { allow: ['127.0.0.1'] }, apps: [{ name: 'fetcher', path: app, default: true, limits: { subrequests: 2 } }] }) });
  const s: Served = await serve(['--config', join(dir, 'nano.json')]);
  t.teardown(() => s.stop().then(() => undefined));
  const pattern = (mib: number): Buffer => {
    const b = Buffer.alloc(mib << 20);
    for (let i = 0; i < b.length; i++) b[i] = (i * 31 + (i >> 12)) & 255;
    return b;
  };
  const expected = pattern(8);
  const proxied = await fetchRaw(s.port, `/?proxy=${encodeURIComponent(`${base}/pattern?mib=8`)}`);
  t.equal(proxied.status, 200);
  t.ok(proxied.body.equals(expected), 'the body came through byte-identical');

  // A clone is a tee branch, not the subrequest's own body: it streams through the isolate.
  const cloned = await fetchRaw(s.port, `/?proxyClone=${encodeURIComponent(`${base}/pattern?mib=8`)}`);
  t.ok(cloned.body.equals(expected), 'a cloned body came through byte-identical too');

  // The client leaves mid-body: the upstream request is cancelled and its slot freed.
  const closedBefore = seen.closedEarly;
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path: `/?proxy=${encodeURIComponent(`${base}/drip`)}` }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
    req.on('close', () => resolve());
    setTimeout(() => reject(new Error('no first chunk')), 5000).unref();
    req.end();
  });
  for (let i = 0; i < 100 && seen.closedEarly === closedBefore; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(seen.closedEarly, closedBefore + 1, 'the upstream connection was closed');
  const both = JSON.parse((await fetchRaw(s.port, `/?url=${encodeURIComponent(`${base}/json`)}&n=2`)).text) as { ok: boolean }[];
  t.same(both.map((r) => r.ok), [true, true], 'both subrequest slots are free again');

  // Upstream dies mid-body: the response is cut (its status is already sent) and logged.
  const cut = await new Promise<{ status: number; outcome: string; bytes: number }>((resolve) => {
    const req = request({ host: '127.0.0.1', port: s.port, path: `/?proxy=${encodeURIComponent(`${base}/cut`)}` }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, outcome: 'end', bytes }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, outcome: 'aborted', bytes }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, outcome: 'aborted', bytes }));
    });
    req.end();
  });
  t.equal(cut.status, 200);
  t.equal(cut.outcome, 'aborted', 'the connection was cut, not ended as if complete');
  await s.waitForLog((l) => /subrequest body failed while piped/.test(String(l.msg)));
});
