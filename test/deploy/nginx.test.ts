// The deployment guide's nginx config (deploy/nginx/nano.conf), run by a real nginx in front of
// two real `nano serve` instances: TLS, Host routing, X-Forwarded-* through trustedProxies,
// streaming both ways without buffering, and a SIGTERM drain of one instance with 0 failed requests.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { ROOT } from '../helpers/serve.js';
import { findTool, missingTool, freePort, selfSignedCert, startNginx, type Nginx } from './nginx-harness.js';
import { startPair, httpsClient, drainThroughProxy, sub, type Got } from './proxied.js';

const nginx = findTool(['nginx', '/usr/sbin/nginx'], '-v');
const skip = missingTool([['nginx', nginx], ['openssl', findTool(['openssl'], 'version')]]);

t.test('nginx in front of two nano instances, with the documented config', { skip: skip ?? false }, async (t) => {
  const { dir, a, b } = await startPair(t, ['a.example.com', 'b.example.com']);
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

  const get = httpsClient(t, https);

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
    await drainThroughProxy(t, a, get, ['a.example.com', 'b.example.com']);
  });
});

