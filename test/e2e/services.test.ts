// Service bindings between apps of one `nano serve`: `env.AUTH.fetch(request)` (wrangler
// `services` in a TypeScript project, or nano.json `services` with a service-worker global) reaches
// the other app in process (its URL's host does not even resolve), with method, headers, body and
// streamed response intact; the callee's own CPU limit applies; the call counts among the
// caller's subrequests; a binding to an app that does not exist is a config error. RPC
// (`env.AUTH.method(args)` on a WorkerEntrypoint class): values cross as copies, errors as errors,
// bounded by the callee's limits.rpcMaxBytes, with the callee's CPU limit and the caller's
// subrequest count; a client of the listener can never make a request an RPC call.
import t from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, type Served } from '../helpers/serve.js';
import { freshCache, projectCopy } from '../helpers/projects.js';
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

t.test('RPC: env.AUTH.method(args) calls the callee\'s WorkerEntrypoint method', async (t) => {
  const auth = projectCopy('rpc-auth');
  const caller = projectCopy('rpc-caller');
  const root = tempTree({
    'plain/index.js': 'export default { fetch: () => new Response("plain"), add: (a, b) => a + b };\n',
    'nano.json': JSON.stringify({
      defaults: { idleEvictMs: 0 },
      apps: [
        { name: 'rpc-auth', path: auth, hostnames: ['auth.test'], limits: { cpuMs: 300, rpcMaxBytes: 8192 } },
        { name: 'rpc-caller', path: caller, hostnames: ['caller.test'], limits: { subrequests: 2 } },
        { name: 'plain', path: 'plain', hostnames: ['plain.test'] },
      ],
    }),
  });
  const r = await serve(['--config', join(root, 'nano.json'), '--no-watch'], freshCache());
  t.teardown(() => r.stop().then(() => undefined));
  const get = async (path: string): Promise<unknown> => {
    const res = await fetchRaw(r.port, path, { host: 'caller.test' });
    t.equal(res.status, 200, `${path} answers`, { body: res.text, log: r.logs.filter((l) => l.level === 50).map((l) => l.msg) });
    return JSON.parse(res.text) as unknown;
  };

  t.equal(await get('/add'), 5, 'arguments in, result out');
  t.same(await get('/copies'), {
    copy: true, cycle: true, date: true, mapSetBigint: true, bytes: [1, 2, 3], undefinedKept: true, nan: true, negZero: true, regexp: '/a+b/gi', error: 'inner', callerUnchanged: true, calleeChanged: true,
  }, 'structured-clone values cross as copies: cycles, Date, Map, Set, BigInt, bytes, undefined, NaN, -0, RegExp, Error; never references');
  const [first, second] = (await get('/realm')) as { realm: string; fresh: number }[];
  t.equal(first?.realm, 'fixtures', 'the method sees this.env');
  t.equal((second?.fresh ?? 0) - (first?.fresh ?? 0), 1, 'a fresh instance per call');

  const errors = (await get('/errors')) as Record<string, { error?: { name: string; message: string; isError: boolean } } | string>;
  t.same(errors.thrown, { error: { name: 'TypeError', message: 'bad token', isError: true } }, 'a thrown error crosses as an error of the same type');
  t.match(errors.missing, { error: { name: 'TypeError', message: /has no RPC method nope\(\)/ } });
  t.match(errors.argNotCloneable, { error: { name: 'DataCloneError' } }, 'a function argument is refused in the caller');
  t.match(errors.resultNotCloneable, { error: { name: 'DataCloneError', message: /could not be cloned/, isError: true } }, 'a function result becomes the DataCloneError, in the caller');
  t.match(errors.notEntrypoint, { error: { name: 'TypeError', message: /not a WorkerEntrypoint class/ } }, 'an object-style default export has no RPC methods');
  t.equal(errors.notThenable, 'undefined', 'a binding is not a thenable');
  t.equal(errors.asString, '[object Object]', 'String(binding) calls nothing');

  const forged = (await get('/forged')) as Record<string, { result?: string; body?: string; error?: unknown }>;
  for (const m of ['toString', 'constructor', 'fetch']) {
    t.equal(forged[m]?.result, 'error', `"${m}" is not callable by RPC`);
    t.match(forged[m]?.body, /has no RPC method/);
  }
  t.match(forged.bad, { error: { name: 'TypeError', message: /not an RPC method name/ } }, 'a malformed method name never reaches the callee');
  const malformed = (forged.malformed as unknown as { result: string; body: string }[]).map((m) => [m.result, m.body]);
  t.equal(malformed.length, 9);
  for (const [result, body] of malformed) {
    t.equal(result, 'error', 'a hostile payload is an error result, the callee keeps serving');
    t.match(body, /malformed RPC|nested too deeply/);
  }
  t.same(JSON.parse(String((forged.proto as unknown as { body: string }).body)), ['o', 'ownProto', true, 'plainProto', true, 'polluted', null], '"__proto__" in a payload is a plain key');

  const outside = await fetchRaw(r.port, '/', { host: 'auth.test', method: 'POST', headers: { 'x-nano-rpc': 'add', 'X-Nano-Rpc': 'add' }, body: '[1,2]' });
  t.same(JSON.parse(outside.text), { http: true, rpcHeader: null }, 'a client of the listener cannot make an RPC call: the header is removed');

  t.same(await get('/big?n=1000'), { value: 1000 });
  t.match(await get('/big?n=10000'), { error: { name: 'TypeError', message: /rpcMaxBytes/ } }, 'a result over the callee\'s rpcMaxBytes fails in the caller');
  t.match(await get('/big-arg?n=10000'), { error: { name: 'TypeError', message: /more than app "rpc-auth" accepts \(limits\.rpcMaxBytes: 8192\)/ } }, 'so do arguments');
  t.match(await get('/spin'), { error: { message: /503|500|cpu|CPU/ } }, 'the callee\'s CPU limit ends a spinning method');
  t.equal((await get('/add')), 5, 'the callee serves again after its CPU limit');
  const many = (await get('/many')) as { value?: string; error?: { message: string } }[];
  t.equal(many.filter((m) => m.value === 'held').length, 2, 'two calls within subrequests: 2');
  t.match(many.filter((m) => m.error !== undefined), [{ error: { message: /subrequests/ } }], 'the third counts against the caller\'s subrequests');
});
