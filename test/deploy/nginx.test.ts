// The deployment guide's nginx config (deploy/nginx/nano.conf), run by a real nginx in front of
// two real `nano serve` instances: TLS, Host routing, X-Forwarded-* through trustedProxies,
// streaming both ways without buffering, and a SIGTERM drain of one instance with 0 failed requests.
import t, { type Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { serve, tempTree, ROOT, type Served } from '../helpers/serve.js';
import { findTool, missingTool, freePort, selfSignedCert, startNginx, type Nginx } from './nginx-harness.js';

const APP = `export default { async fetch(request, env) {
  const url = new URL(request.url);
  if (url.pathname === '/echo') return new Response(request.body);
  if (url.pathname === '/slow') {
    let n = 0;
    const body = new ReadableStream({ async pull(c) {
      await new Promise((r) => setTimeout(r, 250));
      c.enqueue(new TextEncoder().encode('chunk' + n + ';'));
      if (++n === 6) c.close();
    } });
    return new Response(body, { headers: { 'x-instance': env.INSTANCE } });
  }
  return Response.json({ app: env.NAME, instance: env.INSTANCE, url: request.url, ip: request.headers.get('cf-connecting-ip') });
} };
`;

const nginx = findTool(['nginx', '/usr/sbin/nginx'], '-v');
const skip = missingTool([['nginx', nginx], ['openssl', findTool(['openssl'], 'version')]]);

/** Replaces `from` in `text`, which must occur exactly once: a changed doc config fails loudly here. */
function sub(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`deploy/nginx/nano.conf: expected "${from}" once, found it ${parts.length - 1} times`);
  return parts.join(to);
}

interface Got { status: number; headers: Record<string, unknown>; body: string }

t.test('nginx in front of two nano instances, with the documented config', { skip: skip ?? false }, async (t) => {
  const dir = tempTree({ 'app/index.js': APP });
  const config = join(dir, 'nano.json');
  const secrets = { INSTANCE: { fromEnv: 'NANO_INSTANCE' } };
  const cfg = {
    server: { trustedProxies: ['127.0.0.1', '::1'] },
    defaults: { idleEvictMs: 0 },
    apps: [
      { name: 'a', path: 'app', hostnames: ['a.example.com'], env: { NAME: 'a' }, secrets },
      { name: 'b', path: 'app', hostnames: ['b.example.com'], env: { NAME: 'b' }, secrets },
    ],
  };
  writeFileSync(config, JSON.stringify(cfg));
  const a = await serve(['--config', config, '--no-watch'], { NANO_INSTANCE: 'A' });
  const b = await serve(['--config', config, '--no-watch'], { NANO_INSTANCE: 'B' });
  t.teardown(async () => {
    await a.stop('SIGKILL');
    await b.stop('SIGKILL');
  });
  const { cert, key } = selfSignedCert(dir, ['example.com', '*.example.com']);

  // Ports chosen before nginx binds them may be taken meanwhile: try again with new ones.
  let proxy: Nginx | undefined;
  let https = 0;
  let http = 0;
  for (let attempt = 0; proxy === undefined; attempt++) {
    https = await freePort();
    http = await freePort();
    let conf = readFileSync(join(ROOT, 'deploy/nginx/nano.conf'), 'utf8');
    conf = sub(conf, 'server 127.0.0.1:8787 ', `server 127.0.0.1:${a.port} `);
    conf = sub(conf, 'server 127.0.0.1:8786 ', `server 127.0.0.1:${b.port} `);
    conf = sub(conf, '    listen 80;\n    listen [::]:80;\n', `    listen 127.0.0.1:${http};\n`);
    conf = sub(conf, '    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n', `    listen 127.0.0.1:${https} ssl http2;\n`);
    conf = sub(conf, '/etc/letsencrypt/live/example.com/fullchain.pem', cert);
    conf = sub(conf, '/etc/letsencrypt/live/example.com/privkey.pem', key);
    try {
      proxy = await startNginx(nginx as string, conf, [http, https]);
    } catch (err) {
      if (attempt === 2 || !/Address already in use/.test(String(err))) throw err;
    }
  }
  const px = proxy;
  t.teardown(() => px.stop());

  const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });
  t.teardown(() => agent.destroy());
  const get = (host: string, path: string, headers: Record<string, string> = {}): Promise<Got> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: https, path, servername: host, headers: { host, ...headers }, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  await t.test('Host routing, https in request.url, the client address from X-Forwarded-For', async (t) => {
    for (const app of ['a', 'b']) {
      const r = await get(`${app}.example.com`, '/hello?x=1');
      t.equal(r.status, 200);
      const j = JSON.parse(r.body) as Record<string, string>;
      t.equal(j.app, app, `${app}.example.com reaches app ${app}`);
      t.equal(j.url, `https://${app}.example.com/hello?x=1`, 'the scheme the client used, from X-Forwarded-Proto');
      t.equal(j.ip, '127.0.0.1', 'the client address nginx saw');
    }
    const spoofed = JSON.parse((await get('a.example.com', '/', { forwarded: 'for=198.51.100.7;proto=http' })).body) as Record<string, string>;
    t.equal(spoofed.ip, '127.0.0.1', "a client's own Forwarded header is dropped by nginx");
    t.match(spoofed.url, /^https:/);
    const plain = await new Promise<Got>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port: http, path: '/p?q=1', headers: { host: 'a.example.com' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
      }).on('error', reject).end();
    });
    t.equal(plain.status, 308, 'plain http is redirected');
    t.equal(plain.headers.location, 'https://a.example.com/p?q=1');
  });

  await t.test('streaming both ways: each request chunk comes back before the next is sent', async (t) => {
    const req = request({ host: '127.0.0.1', port: https, path: '/echo', method: 'POST', servername: 'a.example.com', headers: { host: 'a.example.com', 'transfer-encoding': 'chunked' }, agent: false, rejectUnauthorized: false });
    // A proxy that buffers the request body forwards nothing until the body ends: fail fast then.
    const guard = setTimeout(() => req.destroy(new Error('no response within 10 s (request body buffered by the proxy?)')), 10_000);
    t.teardown(() => clearTimeout(guard));
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
      req.write('ping-0;');
    });
    res.setEncoding('utf8');
    let seen = '';
    const waitFor = (text: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`"${text}" not echoed within 10 s (buffered by the proxy?); got "${seen}"`)), 10_000);
        const check = (): void => {
          if (!seen.includes(text)) return;
          clearTimeout(timer);
          res.off('data', onData);
          resolve();
        };
        const onData = (d: string): void => {
          seen += d;
          check();
        };
        res.on('data', onData);
        check();
      });
    for (let i = 0; i < 3; i++) {
      await waitFor(`ping-${i};`);
      if (i < 2) req.write(`ping-${i + 1};`);
    }
    const ended = new Promise<void>((resolve) => res.on('end', resolve));
    res.resume();
    req.end();
    await ended;
    clearTimeout(guard);
    t.equal(seen, 'ping-0;ping-1;ping-2;', 'every chunk came back while the request was still open');
  });

  await t.test('SIGTERM to one instance: its streams finish, no request fails, it exits 0', async (t) => {
    await drainThroughProxy(t, a, get);
  });
});

/** Load through nginx while instance `a` drains: counts every failure, and checks the streams it had. */
async function drainThroughProxy(t: Test, a: Served, get: (host: string, path: string) => Promise<Got>): Promise<void> {
  const slow = Array.from({ length: 4 }, () => get('a.example.com', '/slow'));
  await new Promise((r) => setTimeout(r, 300));
  let stop = false;
  let ok = 0;
  let okAfterSignal = 0;
  let signalled = false;
  const failures: string[] = [];
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        const r = await get('b.example.com', '/');
        if (r.status === 200) {
          ok++;
          if (signalled) okAfterSignal++;
        } else failures.push(`${r.status} ${r.body.slice(0, 200)}`);
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  await new Promise((r) => setTimeout(r, 200));
  signalled = true;
  const signalAt = Date.now();
  const exit = await a.stop('SIGTERM');
  const exitedAfter = Date.now() - signalAt;
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await Promise.all(workers);
  const streams = await Promise.all(slow);

  t.same(failures, [], 'no request through the proxy failed');
  t.ok(ok > 0 && okAfterSignal > 0, `requests served throughout (${ok}, ${okAfterSignal} after the signal)`);
  for (const s of streams) {
    t.equal(s.status, 200);
    t.equal(s.body, 'chunk0;chunk1;chunk2;chunk3;chunk4;chunk5;', `a stream of instance ${String(s.headers['x-instance'])} ran to its last chunk`);
  }
  t.ok(streams.some((s) => s.headers['x-instance'] === 'A'), 'at least one stream was on the draining instance');
  t.same(exit, { code: 0, signal: null }, 'the drained instance exits 0: nothing was cut');
  t.ok(exitedAfter > 500, `it exited only once its streams ended (${exitedAfter} ms after SIGTERM)`);
}
