// What the reverse-proxy tests share: two real `nano serve` instances of one config (apps on two
// host names, each answer naming its instance), an HTTPS client through the proxy, and a SIGTERM
// drain of one instance under load that counts every failed request.
import type { Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { join } from 'node:path';
import { serve, tempTree, type Served } from '../helpers/serve.js';

/** / answers JSON (app, instance, request.url, client address); /echo echoes; /slow streams 6 chunks over 1.5 s. */
export const APP = `export default { async fetch(request, env) {
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

/** Replaces `from` in `text`, which must occur exactly once: a changed doc config fails loudly here. */
export function sub(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`expected "${from}" once in the documented config, found it ${parts.length - 1} times`);
  return parts.join(to);
}

export interface Got { status: number; headers: Record<string, unknown>; body: string }

export interface Pair {
  readonly dir: string;
  readonly a: Served;
  readonly b: Served;
}

/** Two instances (A and B) of one config: app "a" on `hosts[0]`, app "b" on `hosts[1]`, proxies on loopback trusted. */
export async function startPair(t: Test, hosts: readonly [string, string]): Promise<Pair> {
  const dir = tempTree({ 'app/index.js': APP });
  const config = join(dir, 'nano.json');
  const secrets = { INSTANCE: { fromEnv: 'NANO_INSTANCE' } };
  writeFileSync(
    config,
    JSON.stringify({
      server: { trustedProxies: ['127.0.0.1', '::1'] },
      defaults: { idleEvictMs: 0 },
      apps: [
        { name: 'a', path: 'app', hostnames: [hosts[0]], env: { NAME: 'a' }, secrets },
        { name: 'b', path: 'app', hostnames: [hosts[1]], env: { NAME: 'b' }, secrets },
      ],
    }),
  );
  // Both start at once, and both are stopped even when the other failed to start (a server left
  // running would keep this test process alive until tap's timeout).
  const starts = ['A', 'B'].map((instance) => serve(['--config', config, '--no-watch'], { NANO_INSTANCE: instance }));
  t.teardown(async () => {
    for (const start of starts) await (await start.catch(() => null))?.stop('SIGKILL');
  });
  const [a, b] = (await Promise.all(starts)) as [Served, Served];
  return { dir, a, b };
}

/** GET over HTTPS to the proxy on `port` (self-signed certificate), kept-alive connections. */
export function httpsClient(t: Test, port: number): (host: string, path: string, headers?: Record<string, string>) => Promise<Got> {
  const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });
  t.teardown(() => agent.destroy());
  return (host, path, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, servername: host, headers: { host, ...headers }, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
}

/** Load through the proxy on `hosts` while instance `a` drains: counts every failure, and checks the streams it had. */
export async function drainThroughProxy(t: Test, a: Served, get: (host: string, path: string) => Promise<Got>, hosts: readonly [string, string]): Promise<void> {
  const slow = Array.from({ length: 4 }, () => get(hosts[0], '/slow'));
  await new Promise((r) => setTimeout(r, 300));
  let stop = false;
  let ok = 0;
  let okAfterSignal = 0;
  let signalled = false;
  const failures: string[] = [];
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        const r = await get(hosts[1], '/');
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
