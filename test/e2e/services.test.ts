// Service bindings between apps of one `nano serve`: `env.AUTH.fetch(request)` (wrangler
// `services` in a TypeScript project, or nano.json `services` with a service-worker global) reaches
// the other app in process (its URL's host does not even resolve), with method, headers, body and
// streamed response intact; the callee's own CPU limit applies; the call counts among the
// caller's subrequests; a binding to an app that does not exist is a config error.
import t from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, type Served } from '../helpers/serve.js';
import { freshCache } from '../helpers/projects.js';
import { validateConfig, ConfigError } from '../../src/config/load.js';

const dir = tempTree({
  'nano.json': JSON.stringify({
    defaults: { idleEvictMs: 0 },
    apps: [
      { name: 'auth', path: 'auth', hostnames: ['auth.test'], limits: { cpuMs: 300 } },
      { name: 'front', path: 'front', hostnames: ['front.test'], limits: { subrequests: 2 } },
      { name: 'sw', path: 'sw', hostnames: ['sw.test'], services: [{ binding: 'AUTH', service: 'auth' }] },
    ],
  }),
  'auth/index.js': [
    'export default {',
    '  async fetch(request) {',
    '    const url = new URL(request.url);',
    "    if (url.pathname === '/spin') { for (;;) {} }",
    "    if (url.pathname === '/len') return new Response(String((await request.arrayBuffer()).byteLength));",
    "    if (url.pathname === '/hold') { await new Promise((r) => setTimeout(r, 300)); return new Response('held'); }",
    '    const body = await request.text();',
    "    return Response.json({ method: request.method, url: request.url, auth: request.headers.get('authorization'), body }, { headers: { 'x-from': 'auth' } });",
    '  },',
    '};',
    '',
  ].join('\n'),
  'front/wrangler.jsonc': '{ "name": "front", "main": "src/index.ts", "services": [{ "binding": "AUTH", "service": "auth" }] }',
  'front/src/index.ts': [
    'interface Env { AUTH: { fetch(input: RequestInfo, init?: RequestInit): Promise<Response> } }',
    'export default {',
    '  async fetch(request: Request, env: Env): Promise<Response> {',
    '    const path = new URL(request.url).pathname;',
    "    if (path === '/spin') { const r = await env.AUTH.fetch('https://auth.internal/spin'); await r.text(); return new Response(String(r.status)); }",
    "    if (path === '/forward') return env.AUTH.fetch('https://auth.internal/len', { method: 'POST', body: request.body, duplex: 'half' } as RequestInit);",
    "    if (path === '/many') {",
    "      const calls = [1, 2, 3].map(() => env.AUTH.fetch('https://auth.internal/hold').then((r) => r.text(), (e: Error) => `${e.name}: ${e.message}`));",
    "      return Response.json(await Promise.all(calls));",
    '    }',
    "    const r = await env.AUTH.fetch('https://auth.internal/verify?x=1', { method: 'POST', body: 'token-123', headers: { authorization: 'Bearer t' } });",
    "    return new Response(`${r.status} ${r.headers.get('x-from')} ${await r.text()}`);",
    '  },',
    '};',
    '',
  ].join('\n'),
  'sw/index.js': "addEventListener('fetch', (event) => event.respondWith(AUTH.fetch('http://auth.internal/from-sw').then((r) => r.json()).then((j) => new Response(j.url))));\n",
});
let s: Served;
t.before(async () => {
  s = await serve(['--config', join(dir, 'nano.json'), '--no-watch'], freshCache());
});
t.teardown(() => s.stop().then(() => undefined));

t.test('env.AUTH.fetch reaches the other app in process, request and response intact', async (t) => {
  const r = await fetchRaw(s.port, '/', { host: 'front.test' });
  t.equal(r.status, 200);
  const [status, from, json] = r.text.split(' ', 3);
  t.equal(status, '200');
  t.equal(from, 'auth', 'response headers');
  t.same(JSON.parse(r.text.slice(`${status} ${from} `.length)), { method: 'POST', url: 'https://auth.internal/verify?x=1', auth: 'Bearer t', body: 'token-123' }, 'method, URL (its scheme too), headers and body');
  t.ok(json !== undefined);
});

t.test('a streamed request body crosses to the callee and its response streams back', async (t) => {
  const body = Buffer.alloc(256 * 1024 + 5, 7);
  const r = await fetchRaw(s.port, '/forward', { host: 'front.test', method: 'POST', body });
  t.equal(r.status, 200);
  t.equal(r.text, String(body.length));
});

t.test('a service-worker app gets the binding as a global (nano.json services)', async (t) => {
  t.equal((await fetchRaw(s.port, '/', { host: 'sw.test' })).text, 'http://auth.internal/from-sw');
});

t.test("the callee's own CPU limit applies", async (t) => {
  t.equal((await fetchRaw(s.port, '/spin', { host: 'front.test' })).text, '503', 'the caller sees the callee cut at its cpuMs');
  await s.waitForLog((l) => l.app === 'auth' && l.limit === 'cpu');
  t.equal((await fetchRaw(s.port, '/', { host: 'front.test' })).status, 200, 'the callee serves again');
});

t.test("service calls count among the caller's subrequests", async (t) => {
  const r = JSON.parse((await fetchRaw(s.port, '/many', { host: 'front.test' })).text) as string[];
  t.same(r.slice(0, 2), ['held', 'held']);
  t.match(r[2], /^TypeError: fetch refused: this app already has 2 subrequests in flight \(limits\.subrequests\)/);
});

t.test('a wrangler service binding to an app that is not in the config fails nano check', async (t) => {
  const { execFile } = await import('node:child_process');
  const { BIN } = await import('../helpers/serve.js');
  const bad = tempTree({
    'nano.json': JSON.stringify({ apps: [{ name: 'p', path: 'p', default: true }] }),
    'p/wrangler.json': JSON.stringify({ main: 'index.ts', services: [{ binding: 'AUTH', service: 'missing' }] }),
    'p/index.ts': 'export default { fetch: () => new Response("x") };\n',
  });
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--no-node-snapshot', BIN, 'check', '--config', join(bad, 'nano.json')], { env: { ...process.env, ...freshCache() } }, (err, _o, stderr) => resolve({ code: err === null ? 0 : 1, stderr }));
  });
  t.equal(r.code, 1);
  t.match(r.stderr, /service binding AUTH in .*wrangler\.json names app "missing", which is not in the config/);
});

t.test('a binding to an app that is not in the config is a config error', async (t) => {
  const err = (() => {
    try {
      validateConfig({ apps: [{ name: 'a', path: '.', default: true, env: { AUTH: 'x' }, services: [{ binding: 'AUTH', service: 'nope' }] }] }, '/tmp/nano.json');
    } catch (e) {
      return e;
    }
    return null;
  })();
  t.ok(err instanceof ConfigError);
  t.same((err as ConfigError).problems.map((p) => [p.path, p.message]), [
    ['apps[0].services[0].service', 'no app named "nope" in this config; name one of its apps'],
    ['apps[0].services[0].binding', '"AUTH" is already a binding of this app (env, secrets or another service); give each binding its own name'],
  ]);
});
