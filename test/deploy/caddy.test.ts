// The deployment guide's Caddyfile (deploy/caddy/Caddyfile), run by a real Caddy in front of two
// real `nano serve` instances: TLS, Host routing, X-Forwarded-* through trustedProxies, a client's
// Forwarded dropped, streamed responses flushed, and failover once an instance has drained.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'node:https';
import { ROOT, cleanEnv } from '../helpers/serve.js';
import { findTool, freePort, selfSignedCert, accepting } from './nginx-harness.js';
import { startPair, httpsClient, sub } from './proxied.js';

// CI installs nginx only; Caddy is checked where it is installed (Debian: apt-get install caddy).
const caddy = findTool(['caddy'], 'version');

t.test('Caddy in front of two nano instances, with the documented Caddyfile', { skip: caddy === null ? 'caddy not installed' : false }, async (t) => {
  const { dir, a, b } = await startPair(t, ['example.com', 'api.example.com']);
  const { cert, key } = selfSignedCert(dir, ['example.com', '*.example.com']);
  const port = await freePort();
  let file = readFileSync(join(ROOT, 'deploy/caddy/Caddyfile'), 'utf8');
  file = sub(file, 'example.com, www.example.com, api.example.com {\n', `https://example.com:${port}, https://api.example.com:${port} {\n\tbind 127.0.0.1\n\ttls ${cert} ${key}\n`);
  file = sub(file, 'reverse_proxy 127.0.0.1:8787 127.0.0.1:8786 {', `reverse_proxy 127.0.0.1:${a.port} 127.0.0.1:${b.port} {`);
  writeFileSync(join(dir, 'Caddyfile'), `{\n\tadmin off\n\tauto_https disable_redirects\n\tskip_install_trust\n}\n${file}`);
  const child = spawn(caddy as string, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { cwd: dir, env: cleanEnv({ HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await accepting(port, Date.now() + 15_000, child).catch((e: Error) => {
    throw new Error(`${e.message}: ${err}`);
  });
  const get = httpsClient(t, port);

  for (const [host, app] of [['example.com', 'a'], ['api.example.com', 'b']]) {
    const j = JSON.parse((await get(host as string, '/x?y=1', { forwarded: 'for=198.51.100.7' })).body) as Record<string, string>;
    t.equal(j.app, app, `${host} reaches app ${app}`);
    t.equal(j.url, `https://${host}/x?y=1`, 'the scheme the client used, from X-Forwarded-Proto');
    t.equal(j.ip, '127.0.0.1', "the client's address, not the one its own Forwarded header claimed");
  }

  // Streaming: the first chunk arrives long before the last (250 ms apart at the app).
  const arrivals: number[] = [];
  const start = Date.now();
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/slow', servername: 'example.com', headers: { host: 'example.com' }, rejectUnauthorized: false }, (res) => {
      res.on('data', () => arrivals.push(Date.now() - start));
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
  t.ok((arrivals.at(-1) as number) - (arrivals[0] as number) >= 750, `chunks arrived as written (first at ${arrivals[0]} ms, last at ${arrivals.at(-1)} ms)`);

  // Instance A drains (its streams finish) and exits; Caddy then sends everything to B.
  const streams = Array.from({ length: 4 }, () => get('example.com', '/slow'));
  await new Promise((r) => setTimeout(r, 300));
  t.same(await a.stop('SIGTERM'), { code: 0, signal: null }, 'A drained and exited 0');
  for (const s of await Promise.all(streams)) t.equal(s.body, 'chunk0;chunk1;chunk2;chunk3;chunk4;chunk5;', `a stream of instance ${String(s.headers['x-instance'])} ran to its end`);
  const after = await Promise.all(Array.from({ length: 20 }, () => get('example.com', '/')));
  t.same(after.map((r) => r.status), Array(20).fill(200), 'with A gone, every request is answered (by B)');
});
