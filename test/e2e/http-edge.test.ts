// The HTTP edge of a real `nano serve`: malformed Host → 400 and request.url built from the host
// routing used, absolute-form targets, oversized headers → 431, a per-app cap on requests in
// flight, a connection cap, a client trickling a body after its answer is cut off, and the
// scheme and client address taken from trusted proxies only.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, type Served } from '../helpers/serve.js';

const APP = `
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/hold') {
      console.log('hold started');
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms'))));
    }
    return Response.json({ url: request.url, ip: request.headers.get('cf-connecting-ip'), app: 'a' });
  },
};`;
const APP_B = `export default { fetch: (request) => Response.json({ url: request.url, app: 'b' }) };`;

/** Sends `text` on a raw socket and resolves with everything read until the server closes. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (data += d));
    // A reset is an answer too (the connection cap): what was read so far.
    sock.on('error', () => resolve(data));
    sock.on('close', () => resolve(data));
    sock.write(text);
  });
}

function start(server: Record<string, unknown>, limits: Record<string, unknown> = {}): Promise<Served> {
  const dir = tempTree({ 'a/index.js': APP, 'b/index.js': APP_B });
  const file = join(dir, 'nano.json');
  writeFileSync(file, JSON.stringify({
    server,
    apps: [
      { name: 'a', path: join(dir, 'a'), hostnames: ['a.example.com'], default: true, limits: { maxBodyBytes: 1000, ...limits } },
      { name: 'b', path: join(dir, 'b'), hostnames: ['b.example.com'] },
    ],
  }));
  return serve(['--config', file]);
}

t.test('Host: malformed is 400; request.url carries the host routing used; absolute-form targets', async (t) => {
  const s = await start({});
  t.teardown(() => s.stop().then(() => undefined));
  for (const bad of ['a.example.com:1@evil.com', 'a.example.com/evil', 'evil.com#a.example.com', 'a example.com', '[::1', 'a.example.com:99999999']) {
    const r = await fetchRaw(s.port, '/x', { host: bad });
    t.equal(r.status, 400, JSON.stringify(bad));
    t.match(r.text, /NANO_ERR_BAD_REQUEST/);
  }
  const ok = JSON.parse((await fetchRaw(s.port, '/x?y=1', { host: 'A.Example.COM:8080' })).text) as { url: string };
  t.equal(ok.url, 'http://a.example.com:8080/x?y=1', 'the URL uses the normalised host');
  const abs = await rawExchange(s.port, 'GET http://b.example.com/p?q=1 HTTP/1.1\r\nhost: a.example.com\r\nconnection: close\r\n\r\n');
  t.match(abs, /^HTTP\/1\.1 200/);
  t.match(abs, /"url":"http:\/\/b\.example\.com\/p\?q=1","app":"b"/, 'an absolute-form target routes by its own authority');
});

t.test('oversized request headers get 431', async (t) => {
  const s = await start({});
  t.teardown(() => s.stop().then(() => undefined));
  const reply = await rawExchange(s.port, `GET / HTTP/1.1\r\nhost: a.example.com\r\nx-big: ${'y'.repeat(20_000)}\r\n\r\n`);
  t.match(reply, /^HTTP\/1\.1 431 /);
});

t.test('limits.maxInflight: past it, requests get 503 at once', async (t) => {
  const s = await start({}, { maxInflight: 2 });
  t.teardown(() => s.stop().then(() => undefined));
  const held = [fetchRaw(s.port, '/hold?ms=3000', { host: 'a.example.com' }), fetchRaw(s.port, '/hold?ms=3000', { host: 'a.example.com' })];
  await s.waitForLog((l) => l.msg === 'hold started' && s.logs.filter((x) => x.msg === 'hold started').length === 2);
  const third = await fetchRaw(s.port, '/', { host: 'a.example.com' });
  t.equal(third.status, 503);
  t.match(third.text, /NANO_ERR_APP_OVERLOADED/);
  t.equal((await fetchRaw(s.port, '/', { host: 'b.example.com' })).status, 200, 'other apps are not affected');
  t.same((await Promise.all(held)).map((r) => r.status), [200, 200]);
  t.equal((await fetchRaw(s.port, '/', { host: 'a.example.com' })).status, 200, 'and the app serves again');
});

t.test('server.maxConnections: a connection past it is closed at once', async (t) => {
  const s = await start({ maxConnections: 2 });
  t.teardown(() => s.stop().then(() => undefined));
  const open: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const sock = connect(s.port, '127.0.0.1');
    await once(sock, 'connect');
    open.push(sock);
  }
  t.teardown(() => open.forEach((x) => x.destroy()));
  const extra = await rawExchange(s.port, 'GET / HTTP/1.1\r\nhost: a.example.com\r\n\r\n');
  t.equal(extra, '', 'closed without an answer');
  open.forEach((x) => x.destroy());
  await Promise.all(open.map((x) => (x.closed ? null : once(x, 'close'))));
  // The client's sockets are closed; the server counts its own ends of them down when it reads
  // their FIN, a moment later. Until then a new connection is still one too many.
  let status: number | string = 'none';
  for (let i = 0; i < 40 && status !== 200; i++) {
    status = await fetchRaw(s.port, '/', { host: 'a.example.com' }).then((r) => r.status, (err: NodeJS.ErrnoException) => err.code ?? String(err));
    if (status !== 200) await new Promise((r) => setTimeout(r, 50));
  }
  t.equal(status, 200, 'served again once the server has seen the connections close');
});

t.test('a client trickling a body after its 413 is cut after server.bodyIdleTimeoutMs', async (t) => {
  const s = await start({ bodyIdleTimeoutMs: 300 });
  t.teardown(() => s.stop().then(() => undefined));
  const sock = connect(s.port, '127.0.0.1');
  let data = '';
  sock.setEncoding('latin1');
  sock.on('data', (d: string) => (data += d));
  sock.on('error', () => {});
  sock.write('POST / HTTP/1.1\r\nhost: a.example.com\r\ncontent-length: 100000\r\n\r\nfirst bytes');
  const closed = once(sock, 'close');
  const timeout = new Promise((r) => setTimeout(() => r('still open'), 10_000).unref());
  t.equal(await Promise.race([closed.then(() => 'closed'), timeout]), 'closed', 'the server closed the connection');
  t.match(data, /^HTTP\/1\.1 413 /, 'after answering 413');
  sock.destroy();
});

t.test('trusted proxies: the configured forwarding header believed only from server.trustedProxies', async (t) => {
  const fwd = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7, 10.0.0.2', 'cf-connecting-ip': '6.6.6.6' };
  const trusting = await start({ trustedProxies: ['127.0.0.1', '10.0.0.0/8'] });
  t.teardown(() => trusting.stop().then(() => undefined));
  const a = JSON.parse((await fetchRaw(trusting.port, '/p', { host: 'a.example.com', headers: fwd })).text) as { url: string; ip: string };
  t.same(a, { url: 'https://a.example.com/p', ip: '203.0.113.7', app: 'a' }, 'scheme and client from the trusted chain');
  const spoof = JSON.parse((await fetchRaw(trusting.port, '/p', { host: 'a.example.com', headers: { ...fwd, forwarded: 'for=198.51.100.4;proto=http' } })).text) as { url: string; ip: string };
  t.same([spoof.url, spoof.ip], ['https://a.example.com/p', '203.0.113.7'], 'a Forwarded header a client sent through the proxy is not read');

  const rfc = await start({ trustedProxies: ['127.0.0.1', '10.0.0.0/8'], forwardedHeader: 'forwarded' });
  t.teardown(() => rfc.stop().then(() => undefined));
  const f = JSON.parse((await fetchRaw(rfc.port, '/p', { host: 'a.example.com', headers: { ...fwd, forwarded: 'for=198.51.100.4;proto=https, for="[2001:db8::1]:4711"' } })).text) as { url: string; ip: string };
  t.same([f.url, f.ip], ['https://a.example.com/p', '2001:db8::1'], 'forwardedHeader "forwarded": the nearest untrusted hop of Forwarded, X-Forwarded-For ignored');

  const plain = await start({});
  t.teardown(() => plain.stop().then(() => undefined));
  const p = JSON.parse((await fetchRaw(plain.port, '/p', { host: 'a.example.com', headers: fwd })).text) as { url: string; ip: string };
  t.same(p, { url: 'http://a.example.com/p', ip: '127.0.0.1', app: 'a' }, 'untrusted peers: the headers are ignored and a client CF-Connecting-IP replaced');
});
