// The server frames an app's response: hop-by-hop headers the app set are dropped, a streamed
// body never goes out with both Content-Length and Transfer-Encoding (the proxy idiom
// `new Response(upstream.body, upstream)` included, with a gzip upstream that undici decodes), and
// a Content-Length that does not match the body is not sent. Read from raw sockets.
import t from 'tap';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, tempTree, type Served } from '../helpers/serve.js';

const APP = `
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const hop = { 'x-keep': '1', connection: 'x-private', 'x-private': 'secret', 'keep-alive': 'timeout=99', upgrade: 'h2c', te: 'trailers', trailer: 'x-t', 'proxy-connection': 'keep-alive' };
    if (url.pathname === '/stream') {
      const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('streamed body')); c.close(); } });
      return new Response(body, { headers: { ...hop, 'content-length': '999', 'transfer-encoding': 'chunked' } });
    }
    if (url.pathname === '/full') return new Response('twelve bytes', { headers: { ...hop, 'content-length': '3', 'transfer-encoding': 'chunked' } });
    if (url.pathname === '/empty') return new Response(null, { status: 200, headers: { 'content-length': '10' } });
    if (url.pathname === '/proxy') {
      const upstream = await fetch(url.searchParams.get('u'));
      return new Response(upstream.body, upstream);
    }
    return new Response('?');
  },
};`;

/** One request on a raw socket; resolves with the raw head (lowercased names) and the raw rest. */
function raw(port: number, path: string, method = 'GET'): Promise<{ head: string[]; rest: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (data += d));
    sock.on('error', reject);
    sock.on('end', () => {
      const i = data.indexOf('\r\n\r\n');
      resolve({ head: data.slice(0, i).split('\r\n').map((l) => l.toLowerCase()), rest: data.slice(i + 4) });
    });
    sock.write(`${method} ${path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`);
  });
}
const names = (head: string[]): string[] => head.slice(1).map((l) => l.slice(0, l.indexOf(':')));
const value = (head: string[], name: string): string | undefined => head.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();

const upstreamBody = 'compressed upstream body '.repeat(200);
const upstream = createServer((_req, res) => {
  const gz = gzipSync(upstreamBody);
  res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': gz.length, connection: 'keep-alive', 'keep-alive': 'timeout=5' });
  res.end(gz);
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
const upPort = (upstream.address() as AddressInfo).port;
t.teardown(() => upstream.close());

const dir = tempTree({ 'app/index.js': APP });
const config = join(dir, 'nano.json');
writeFileSync(config, JSON.stringify({ apps: [{ name: 'framing', path: join(dir, 'app'), default: true, fetch: { allow: [`127.0.0.1:${upPort}`] } }] }));
const s: Served = await serve(['--config', config]);
t.teardown(() => s.stop().then(() => undefined));

t.test('a streamed body: hop-by-hop headers dropped, chunked, no Content-Length', async (t) => {
  const r = await raw(s.port, '/stream');
  const n = names(r.head);
  for (const h of ['x-private', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection']) t.notOk(n.includes(h), `no ${h}`);
  t.notOk(r.head.includes('connection: x-private'), 'the app\'s Connection value is not sent');
  t.equal(value(r.head, 'x-keep'), '1', 'end-to-end headers stay');
  t.notOk(n.includes('content-length') && n.includes('transfer-encoding'), 'never both Content-Length and Transfer-Encoding');
  t.equal(n.filter((x) => x === 'transfer-encoding').length, 1, 'one Transfer-Encoding: the server\'s');
  t.equal(value(r.head, 'content-length'), undefined, 'the app\'s 999 is not sent');
  t.match(r.rest, /streamed body/);
});

t.test('a body known in full gets its true length', async (t) => {
  const r = await raw(s.port, '/full');
  t.equal(value(r.head, 'content-length'), '12');
  t.notOk(names(r.head).includes('transfer-encoding'));
  t.equal(r.rest, 'twelve bytes');
  t.notOk(names(r.head).some((n) => ['x-private', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection'].includes(n)), 'hop-by-hop headers dropped here too');
});

t.test('no body: Content-Length 0 on GET, the app\'s figure on HEAD', async (t) => {
  t.equal(value((await raw(s.port, '/empty')).head, 'content-length'), '0');
  t.equal(value((await raw(s.port, '/empty', 'HEAD')).head, 'content-length'), '10');
});

t.test('the proxy idiom new Response(upstream.body, upstream) with a gzip upstream', async (t) => {
  const r = await raw(s.port, `/proxy?u=${encodeURIComponent(`http://127.0.0.1:${upPort}/`)}`);
  const n = names(r.head);
  t.notOk(n.includes('content-length') && n.includes('transfer-encoding'), `never both (got ${n.join(', ')})`);
  t.notOk(n.includes('keep-alive'), 'the upstream\'s Keep-Alive is not passed on');
  // Chunked framing: strip the chunk sizes and compare the body.
  let body = '';
  let rest = r.rest;
  for (;;) {
    const i = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, i), 16);
    if (!(size > 0)) break;
    body += rest.slice(i + 2, i + 2 + size);
    rest = rest.slice(i + 2 + size + 2);
  }
  t.equal(body, upstreamBody, 'the decoded body arrives whole');
});
