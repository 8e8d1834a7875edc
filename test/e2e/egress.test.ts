// Outbound fetch() through a real `nano serve`: private, loopback and metadata destinations are
// refused by default (also after a redirect and in embedded-IPv4 forms), `fetch.allow` per app
// opens them, subrequests carry CDN-Loop and a request loop ends with 508, and a subrequest
// carries the app's headers and nothing undici would add.
import t from 'tap';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, ROOT, type Served } from '../helpers/serve.js';

const FETCHER = join(ROOT, 'test/fixtures/apps/fetcher');

/** Every request the upstream saw: its raw headers, in order. */
const seen: { path: string; headers: string[] }[] = [];
function upstream(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({ path: url.pathname, headers: req.rawHeaders });
    if (url.pathname === '/to') {
      res.writeHead(302, { location: url.searchParams.get('u') ?? '/' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ headers: req.rawHeaders, body: Buffer.concat(chunks).toString() }));
  });
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; close: () => void }> {
  const s = createServer(handler);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return {
    port: (s.address() as AddressInfo).port,
    close: () => {
      s.closeAllConnections();
      s.close();
    },
  };
}

const up = await listen(upstream);
t.teardown(() => up.close());

interface Attempt {
  ok: boolean;
  status?: number;
  body?: string;
  error?: string;
}
const ask = async (s: Served, url: string, headers: Record<string, string> = {}): Promise<Attempt> =>
  JSON.parse((await fetchRaw(s.port, `/?url=${encodeURIComponent(url)}`, { headers })).text) as Attempt;

/** A config file with the fetcher app as the default app (`app` and `top` add fields). */
function config(dir: string, app: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  const file = join(dir, `nano-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ defaults: { idleEvictMs: 0 }, ...top, apps: [{ name: 'fetcher', path: FETCHER, default: true, ...app }] }));
  return file;
}

t.test('private, loopback and metadata destinations are refused by default', async (t) => {
  const dir = tempTree({});
  const s = await serve(['--config', config(dir, {})]);
  t.teardown(() => s.stop().then(() => undefined));
  const p = up.port;
  const targets = [
    `http://127.0.0.1:${p}/`, `http://127.0.0.2:${p}/`, `http://localhost:${p}/`, `http://0.0.0.0:${p}/`, `http://[::1]:${p}/`, `http://[::]:${p}/`,
    `http://[::ffff:127.0.0.1]:${p}/`, `http://[::ffff:7f00:2]:${p}/`, `http://[::127.0.0.1]:${p}/`, `http://[64:ff9b::7f00:1]:${p}/`, `http://[2002:7f00:1::]:${p}/`,
    'http://10.0.0.1/', 'http://172.16.5.4/', 'http://192.168.1.1/', 'http://100.64.0.1/', 'http://[fc00::1]/', 'http://[fd20:ce::254]/',
    'http://169.254.169.254/latest/meta-data/', 'http://168.63.129.16/', 'http://224.0.0.1/', 'http://255.255.255.255/', 'http://metadata.google.internal/',
  ];
  for (const url of targets) {
    const r = await ask(s, url);
    t.equal(r.ok, false, url);
    t.match(r.error, /^TypeError: fetch to .* refused: .*(refused by default|metadata)/, `${url}: ${r.error}`);
  }
  t.equal(seen.length, 0, 'the upstream on loopback was never reached');
});

t.test('fetch.allow per app opens a destination, also checked on each redirect', async (t) => {
  const other = await listen((_req, res) => res.end('other service'));
  t.teardown(() => other.close());
  const dir = tempTree({});
  const s = await serve(['--config', config(dir, { fetch: { allow: [`127.0.0.1:${up.port}`] } })]);
  t.teardown(() => s.stop().then(() => undefined));
  const ok = await ask(s, `http://127.0.0.1:${up.port}/x`);
  t.equal(ok.status, 200, 'the allowed host:port is reached');
  const blocked = await ask(s, `http://127.0.0.1:${other.port}/`);
  t.match(blocked.error, /refused by default/, 'another port on the same address is not');
  const redirected = await ask(s, `http://127.0.0.1:${up.port}/to?u=${encodeURIComponent(`http://127.0.0.1:${other.port}/`)}`);
  t.match(redirected.error, /refused: 127\.0\.0\.1 is a loopback address/, 'a redirect to a refused destination is refused');
  const viaMapped = await ask(s, `http://127.0.0.1:${up.port}/to?u=${encodeURIComponent(`http://[::ffff:7f00:1]:${other.port}/`)}`);
  t.match(viaMapped.error, /refused/, 'also when the redirect names it in an embedded-IPv4 form');
});

t.test('nano check says what each allow entry permits', async (t) => {
  const dir = tempTree({});
  const file = config(dir, { fetch: { allow: ['127.0.0.1:5432', 'db.internal'] } }, { fetch: { allow: ['10.0.0.0/8'] } });
  const out = execFileSync(process.execPath, ['--no-node-snapshot', join(ROOT, 'bin/nano.js'), 'check', '--config', file], { encoding: 'utf8' });
  t.match(out, /fetch\.allow\[0\] "10\.0\.0\.0\/8": permits every address in 10\.0\.0\.0\/8 \(16,777,216 addresses\), any port; it opens refused ranges: 10\.0\.0\.0\/8/);
  t.match(out, /apps\[0\]\.fetch\.allow\[0\] "127\.0\.0\.1:5432": permits the address 127\.0\.0\.1, port 5432 only \(refused by default: a loopback address\)/);
  t.match(out, /apps\[0\]\.fetch\.allow\[1\] "db\.internal": permits the host name db\.internal, whatever addresses it resolves to/);
  const bad = config(dir, { fetch: { allow: ['a:b:c'] } });
  const failed = await new Promise<{ code: number; err: string }>((resolve) => {
    execFile(process.execPath, ['--no-node-snapshot', join(ROOT, 'bin/nano.js'), 'check', '--config', bad], (err, _o, e) => resolve({ code: err === null ? 0 : Number(err.code), err: e }));
  });
  t.equal(failed.code, 1, 'an entry the policy cannot parse fails the check');
  t.match(failed.err, /apps\[0\]\.fetch\.allow\[0\]: "a:b:c" is not a host/);
  await t.rejects(serve(['--config', bad]), /fetch\.allow: "a:b:c" is not a host/, 'and nano serve refuses it too');
});

t.test('CDN-Loop: subrequests name this server; a request past server.maxLoopHops gets 508', async (t) => {
  // A forwarder in front of nano, which the app may call: the app fetching it fetches itself.
  let hops = 0;
  let s: Served | null = null;
  const fwd = await listen((req, res) => {
    hops++;
    if (hops > 40 || s === null) {
      res.writeHead(500).end('runaway loop');
      return;
    }
    const out = request({ host: '127.0.0.1', port: s.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  t.teardown(() => fwd.close());
  const dir = tempTree({});
  s = await serve(['--config', config(dir, { fetch: { allow: [`127.0.0.1:${up.port}`, `127.0.0.1:${fwd.port}`] }, limits: { subrequests: 64 } }, { server: { maxLoopHops: 4 } })]);
  const srv = s;
  t.teardown(() => srv.stop().then(() => undefined));

  seen.length = 0;
  await ask(srv, `http://127.0.0.1:${up.port}/h`, { 'cdn-loop': 'other-cdn, nano; v=1' });
  const loop = headerOf(seen[0]?.headers ?? [], 'cdn-loop');
  t.equal(loop, 'other-cdn, nano; v=1, nano', 'the incoming CDN-Loop plus this server, though the app set no header');

  const tooMany = await fetchRaw(srv.port, '/', { headers: { 'cdn-loop': 'nano, nano, x, nano, nano, nano' } });
  t.equal(tooMany.status, 508);
  t.match(tooMany.text, /NANO_ERR_LOOP_DETECTED/);
  t.equal((await fetchRaw(srv.port, `/?url=data:,x`, { headers: { 'cdn-loop': 'nano, nano, nano, nano' } })).status, 200, 'four hops are within maxLoopHops 4');

  // The app fetching itself through the forwarder, ten levels deep: the chain ends after
  // maxLoopHops + 1 forwarded hops.
  hops = 0;
  const chain = await chainRequest(srv.port, fwd.port, 10);
  t.equal(hops, 5, 'the loop stopped after 5 forwarded hops');
  t.match(chain, /NANO_ERR_LOOP_DETECTED|508/, 'the innermost request got 508');
});

/** Asks the app to fetch, through the forwarder, a URL that asks it to fetch again, `depth` deep. */
async function chainRequest(nanoPort: number, fwdPort: number, depth: number): Promise<string> {
  let url = 'data:,bottom';
  for (let i = 0; i < depth; i++) url = `http://127.0.0.1:${fwdPort}/?url=${encodeURIComponent(url)}`;
  return (await fetchRaw(nanoPort, new URL(url).pathname + new URL(url).search)).text;
}

function headerOf(raw: string[], name: string): string | undefined {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === name) out.push(raw[i + 1] as string);
  return out.length === 0 ? undefined : out.join(', ');
}

t.test('subrequest fidelity: only the app\'s headers; Content-Length for a body of known length', async (t) => {
  const dir = tempTree({});
  const s = await serve(['--config', config(dir, { fetch: { allow: [`127.0.0.1:${up.port}`] } })]);
  t.teardown(() => s.stop().then(() => undefined));
  seen.length = 0;
  await ask(s, `http://127.0.0.1:${up.port}/plain`);
  const names = (seen[0]?.headers ?? []).filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  t.same(names.sort(), ['cdn-loop', 'connection', 'host'], `a bare fetch() sends host, connection and cdn-loop only (got ${names.join(', ')})`);

  seen.length = 0;
  const body = 'x'.repeat(5000);
  const relayed = await fetchRaw(s.port, `/?relay=${encodeURIComponent(`http://127.0.0.1:${up.port}/relay`)}`, { method: 'POST', body, headers: { 'content-type': 'text/plain', 'accept-language': 'de' } });
  const got = JSON.parse(relayed.text) as { headers: string[]; body: string };
  t.equal(got.body, body, 'the body arrived');
  t.equal(headerOf(got.headers, 'content-length'), '5000', 'a relayed body of known length is sent with Content-Length');
  t.equal(headerOf(got.headers, 'transfer-encoding'), undefined, 'not chunked');
  t.equal(headerOf(got.headers, 'accept-language'), 'de', 'headers the app set pass through');
  t.equal(headerOf(got.headers, 'sec-fetch-mode'), undefined);
});
