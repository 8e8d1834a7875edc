// Workers projects served as they are by a real `nano serve`: a TypeScript Hono project with a
// wrangler.jsonc (vars, an npm package from node_modules, JSON and text imports), a class-based
// WorkerEntrypoint in a wrangler.toml project, stacks mapped to the .ts lines, the build cache
// across a restart, and the one warning about wrangler fields NANO does not honour.
import t from 'tap';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { serve, fetchRaw, tempTree, type Served } from '../helpers/serve.js';
import { projectCopy, freshCache } from '../helpers/projects.js';

t.test('a TypeScript Hono project with wrangler.jsonc runs from its directory', async (t) => {
  const dir = projectCopy('hono-ts', ['hono']);
  const cache = freshCache();
  const s = await serve(['--app', dir, '--no-watch'], cache);
  t.teardown(() => s.stop().then(() => undefined));

  const listening = s.logs.find((l) => l.event === 'listening');
  t.same(listening?.apps, ['hono-ts'], 'the app takes its name from wrangler.jsonc');
  t.equal(s.logs.filter((l) => l.event === 'app_built').length, 1, 'the project was built once');

  const home = await fetchRaw(s.port, '/');
  t.equal(home.status, 200);
  t.equal(home.text, 'hello from vars!', 'wrangler vars are the env; a local .ts module is bundled');
  t.equal(home.headers['x-served-by'], 'nano-project', 'hono middleware ran');

  const info = await fetchRaw(s.port, '/api/info', { headers: { origin: 'https://example.test' } });
  t.same(JSON.parse(info.text), { meta: { fixture: 'hono-ts', version: 1 }, max: 3, banner: 'banner text' }, 'JSON and text imports, JSON vars');
  t.equal(info.headers['access-control-allow-origin'], 'https://example.test', 'a hono/* subpath export resolves');

  const warnings = s.logs.filter((l) => l.event === 'project_fields_ignored');
  t.equal(warnings.length, 1, 'one warning about unhonoured fields');
  t.match(String(warnings[0]?.msg), /wrangler\.jsonc: .*not supported: kv_namespaces.*no effect here: \$schema, compatibility_date/);

  const boom = await fetchRaw(s.port, '/boom');
  t.equal(boom.status, 500);
  const logged = await s.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('typed failure'));
  t.match(String(logged.msg), /at src\/index\.ts:25:\d+/, 'the logged stack points at the .ts line');
  t.notMatch(String(logged.msg), /nano-bundle\.js:\d+/, 'no frame is left pointing into the bundle');

  // A restart with the same cache loads the bundle without building.
  await s.stop();
  const again = await serve(['--app', dir, '--no-watch'], cache);
  t.teardown(() => again.stop().then(() => undefined));
  t.equal(again.logs.filter((l) => l.event === 'app_built').length, 0, 'no build after a restart: the bundle came from the cache');
  t.equal((await fetchRaw(again.port, '/')).text, 'hello from vars!');
});

t.test('a class-based WorkerEntrypoint from wrangler.toml; passThroughOnException without an origin', async (t) => {
  const dir = projectCopy('entrypoint-toml');
  const s: Served = await serve(['--app', dir, '--no-watch'], freshCache());
  t.teardown(() => s.stop().then(() => undefined));
  t.same(s.logs.find((l) => l.event === 'listening')?.apps, ['entry-toml']);

  const r = await fetchRaw(s.port, '/');
  t.equal(r.status, 200);
  t.same(JSON.parse(r.text), { mode: 'toml', hasWaitUntil: true }, 'this.env and this.ctx');
  t.equal((await fetchRaw(s.port, '/module-env')).text, 'toml', '`env` from cloudflare:workers');

  const pass = await fetchRaw(s.port, '/pass');
  t.equal(pass.status, 500);
  const body = JSON.parse(pass.text) as { error: { code: string; message: string } };
  t.equal(body.error.code, 'NANO_ERR_NO_ORIGIN');
  t.match(body.error.message, /passThroughOnException\(\).*no origin/);
  const logged = await s.waitForLog((l) => typeof l.stack === 'string' && l.stack.includes('fails after passThroughOnException'));
  t.match(String(logged.stack), /src\/worker\.ts:14:\d+/, 'an uncaught exception maps to the .ts line');
  const warning = s.logs.find((l) => l.event === 'project_fields_ignored');
  t.match(String(warning?.msg), /wrangler\.toml: NANO ignores fields it cannot honour \(no effect here: compatibility_date\)/, 'only the unhonoured field is named');
});

t.test('a single .ts file as the app path is built and served', async (t) => {
  const dir = tempTree({ 'worker.ts': 'const n: number = 21;\nexport default { fetch: (): Response => new Response(String(n * 2)) };\n' });
  const s = await serve(['--app', join(dir, 'worker.ts'), '--no-watch'], freshCache());
  t.teardown(() => s.stop().then(() => undefined));
  t.equal((await fetchRaw(s.port, '/')).text, '42');
});

t.test('a project that does not build stops nano serve at start with the error and its place', async (t) => {
  const dir = tempTree({ 'wrangler.toml': 'main = "src/index.ts"\n', 'src/index.ts': 'export default {\n  fetch(): Response {\n    return new Response(;\n  },\n};\n' });
  const err = await serve(['--app', dir, '--no-watch'], freshCache()).then(
    (s) => s.stop().then(() => null),
    (e: unknown) => e as Error,
  );
  t.ok(err instanceof Error, 'nano exits before listening');
  t.match(String(err?.message), /NANO_ERR_APP_BUILD/);
  t.match(String(err?.message), /src\/index\.ts:3:25: Unexpected ";"/);
});

t.test('passThroughOnException in service-worker syntax: the same clear 500', async (t) => {
  const dir = tempTree({
    'index.js': [
      "addEventListener('fetch', (event) => {",
      '  event.passThroughOnException();',
      "  if (new URL(event.request.url).pathname === '/ok') return event.respondWith(new Response('fine'));",
      "  throw new Error('listener failed');",
      '});',
      '',
    ].join('\n'),
  });
  const s = await serve(['--app', dir, '--no-watch']);
  t.teardown(() => s.stop().then(() => undefined));
  const r = await fetchRaw(s.port, '/');
  t.equal(r.status, 500);
  t.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'NANO_ERR_NO_ORIGIN');
  t.equal((await fetchRaw(s.port, '/ok')).text, 'fine', 'a request that responds is unaffected');
  const plain = tempTree({ 'index.js': "addEventListener('fetch', () => { throw new Error('no pass-through'); });\n" });
  const p = await serve(['--app', plain, '--no-watch']);
  t.teardown(() => p.stop().then(() => undefined));
  t.equal((JSON.parse((await fetchRaw(p.port, '/')).text) as { error: { code: string } }).error.code, 'NANO_ERR_APP_EXCEPTION', 'without the call it stays an app exception');
});

t.test('wrangler environments: --env applies [env.NAME] as wrangler does', async (t) => {
  const dir = projectCopy('envs-toml');
  const json = async (s: Served): Promise<Record<string, unknown>> => JSON.parse((await fetchRaw(s.port, '/')).text) as Record<string, unknown>;

  const top = await serve(['--app', dir, '--no-watch'], freshCache());
  t.teardown(() => top.stop().then(() => undefined));
  t.same(top.logs.find((l) => l.event === 'listening')?.apps, ['envs']);
  t.same(await json(top), { entry: 'index', greeting: 'top', mode: 'top', token: null }, 'no --env: the top level; .dev.vars unread');
  const unread = top.logs.find((l) => l.event === 'project_fields_ignored');
  t.match(String(unread?.msg), /\.dev\.vars is not read .*--dev-vars/, 'the unread .dev.vars is named, never silently ignored');
  await top.stop();

  const staging = await serve(['--app', dir, '--env', 'staging', '--no-watch'], freshCache());
  t.teardown(() => staging.stop().then(() => undefined));
  t.same(staging.logs.find((l) => l.event === 'listening')?.apps, ['envs-staging'], 'the name defaults to <name>-<env>');
  t.same(await json(staging), { entry: 'index', greeting: 'staging', mode: null, token: null }, 'main inherited; vars replaced, not merged');
  await staging.stop();

  const named = await serve(['--app', dir, '--env', 'named', '--no-watch'], freshCache());
  t.teardown(() => named.stop().then(() => undefined));
  t.same(named.logs.find((l) => l.event === 'listening')?.apps, ['custom-name'], 'the environment\'s own name');
  t.same(await json(named), { entry: 'other', greeting: 'named' }, 'the environment\'s own main and vars');
  await named.stop();

  const bare = await serve(['--app', dir, '--env', 'bare', '--no-watch'], freshCache());
  t.teardown(() => bare.stop().then(() => undefined));
  t.same(await json(bare), { entry: 'index', greeting: null, mode: null, token: null }, 'an environment without vars has none');
  const note = bare.logs.find((l) => l.event === 'project_fields_ignored');
  t.match(String(note?.msg), /wrangler\.toml \[env\.bare\]: vars is set at the top level but not in the environment/);
  await bare.stop();

  const err = await serve(['--app', dir, '--env', 'prod', '--no-watch'], freshCache()).then(
    (s) => s.stop().then(() => null),
    (e: unknown) => e as Error,
  );
  t.match(String(err?.message), /env\.prod: no environment "prod" in this file \(it defines "staging", "named", "bare"\)/, 'an unknown environment stops nano at start');
});

t.test('.dev.vars: read only when asked, over wrangler vars, under nano.json env', async (t) => {
  const dir = projectCopy('envs-toml');
  const dev = await serve(['--app', dir, '--dev-vars', '--no-watch'], freshCache());
  t.teardown(() => dev.stop().then(() => undefined));
  t.same(JSON.parse((await fetchRaw(dev.port, '/')).text), { entry: 'index', greeting: 'from dev vars', mode: 'top', token: 'dev-token' }, '.dev.vars overrides vars, as wrangler dev');
  t.notMatch(dev.stdout(), /dev-token/, 'a .dev.vars value is never logged');
  t.equal(dev.logs.filter((l) => l.event === 'project_fields_ignored').length, 0, 'nothing to warn about');
  await dev.stop();

  const staging = await serve(['--app', dir, '--env', 'staging', '--dev-vars', '--no-watch'], freshCache());
  t.teardown(() => staging.stop().then(() => undefined));
  t.same(JSON.parse((await fetchRaw(staging.port, '/')).text), { entry: 'index', greeting: 'staging', mode: null, token: 'staging-token' }, '.dev.vars.staging instead of .dev.vars');
  await staging.stop();

  const config = join(dir, '..', 'nano.json');
  writeFileSync(config, JSON.stringify({ apps: [{ name: 'envs', path: dir, wranglerEnv: 'staging', devVars: true, env: { TOKEN: 'from-config' } }] }));
  const cfg = await serve(['--config', config, '--no-watch'], freshCache());
  t.teardown(() => cfg.stop().then(() => undefined));
  t.same(JSON.parse((await fetchRaw(cfg.port, '/')).text), { entry: 'index', greeting: 'staging', mode: null, token: 'from-config' }, 'wranglerEnv and devVars in nano.json; its env wins');

  const both = await serve(['--config', config, '--env', 'staging'], freshCache()).then(
    (s) => s.stop().then(() => null),
    (e: unknown) => e as Error,
  );
  t.match(String(both?.message), /--env and --dev-vars go with --app/);
});

t.test('an exception at module load: the logged stack points at the .ts lines', async (t) => {
  const dir = tempTree({
    'wrangler.toml': 'main = "src/index.ts"\n',
    'src/index.ts': 'import { check } from "./check";\nconst limit: number = 1;\ncheck(limit);\nexport default { fetch: (): Response => new Response("never") };\n',
    'src/check.ts': 'export function check(n: number): void {\n  if (n > 0) {\n    throw new TypeError("failed while loading");\n  }\n}\n',
  });
  // Without tap's coverage collection in this server (@tapjs/processinfo reads this variable in
  // child processes): a server that collects V8 coverage logs this error with host frames only.
  const s = await serve(['--app', dir, '--no-watch'], { ...freshCache(), _TAPJS_PROCESSINFO_COVERAGE_: '0' });
  t.teardown(() => s.stop().then(() => undefined));
  const r = await fetchRaw(s.port, '/');
  t.equal(r.status, 503);
  t.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'NANO_ERR_APP_LOAD');
  const logged = await s.waitForLog((l) => l.msg === 'app failed to load');
  const stack = String(logged.stack);
  t.match(stack, /^TypeError: failed while loading\n\s+at check \(src\/check\.ts:3:11\)\n\s+at src\/index\.ts:3:1$/, 'both frames mapped to the .ts sources');
  t.notMatch(stack, /nano-bundle\.js|isolated-vm|\/dist\//, 'no bundle position and no host frame');
});

t.test('request.cf: what NANO knows, with Cloudflare\'s field names where they exist', async (t) => {
  const root = tempTree({
    'cf/index.js': [
      'export default {',
      '  async fetch(request, env) {',
      "    if (new URL(request.url).pathname === '/via-binding') return env.SELF.fetch('http://cf.test/inner');",
      "    const copy = new Request(request, { headers: { a: '1' } });",
      '    return Response.json({ cf: request.cf ?? null, frozen: Object.isFrozen(request.cf), copied: copy.cf === request.cf, cloned: request.clone().cf === request.cf,',
      "      made: new Request('http://x/', { cf: { colo: 'LAB' } }).cf ?? null, headers: [...request.headers.keys()] });",
      '  },',
      '};',
      '',
    ].join('\n'),
    'nano.json': JSON.stringify({ server: { trustedProxies: ['127.0.0.1'] }, apps: [{ name: 'cf', path: 'cf', services: [{ binding: 'SELF', service: 'cf' }] }] }),
  });
  const s = await serve(['--config', join(root, 'nano.json'), '--no-watch']);
  t.teardown(() => s.stop().then(() => undefined));

  const plain = JSON.parse((await fetchRaw(s.port, '/', { headers: { 'accept-encoding': 'gzip, br', 'x-nano-edge': '3', 'x-nano-rpc': 'fetch' } })).text) as Record<string, unknown>;
  t.same(plain.cf, { httpProtocol: 'HTTP/1.1', clientAcceptEncoding: 'gzip, br', tlsVersion: '', tlsCipher: '', tls: false, clientAddress: '127.0.0.1' }, 'over plain HTTP from the peer');
  t.equal(plain.frozen, true);
  t.equal(plain.copied, true, 'new Request(request) keeps cf');
  t.equal(plain.cloned, true, 'clone() keeps cf');
  t.equal(plain.made, null, 'a Request made from a URL has none');
  t.notOk((plain.headers as string[]).some((h) => h.startsWith('x-nano')), 'NANO\'s internal headers, and a client\'s copies of them, never reach the app');

  const proxied = JSON.parse((await fetchRaw(s.port, '/', { headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } })).text) as { cf: Record<string, unknown> };
  t.same(proxied.cf, { httpProtocol: 'HTTP/1.1', clientAcceptEncoding: '', tls: true, clientAddress: '203.0.113.9' }, 'a trusted proxy\'s client address and TLS; the TLS version is not known');

  const old = await new Promise<string>((resolve, reject) => {
    const sock = connect(s.port, '127.0.0.1', () => sock.write('GET / HTTP/1.0\r\nHost: cf.test\r\n\r\n'));
    let data = '';
    sock.on('data', (d: Buffer) => (data += d.toString()));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
  t.match(old, /"httpProtocol":"HTTP\/1\.0"/, 'an HTTP/1.0 client shows as such');

  const inner = JSON.parse((await fetchRaw(s.port, '/via-binding')).text) as Record<string, unknown>;
  t.equal(inner.cf, null, 'a service binding\'s request has no cf (it did not come from a client)');
});

t.test('an app\'s origin: passThroughOnException() and an unanswered fetch event fall through to it', async (t) => {
  const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];
  const upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(203, { 'x-origin': 'yes', connection: 'close' }).end(`origin saw ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
  const originUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/base`;
  const root = tempTree({
    'mod/index.js': [
      'export default {',
      '  async fetch(request, env, ctx) {',
      '    ctx.passThroughOnException();',
      "    if (new URL(request.url).pathname === '/read') await request.text();",
      "    if (new URL(request.url).pathname === '/ok') return new Response('from the app');",
      "    throw new Error('handler failed');",
      '  },',
      '};',
      '',
    ].join('\n'),
    'sw/index.js': "addEventListener('fetch', (event) => { if (new URL(event.request.url).pathname === '/ok') event.respondWith(new Response('sw answered')); });\n",
    'nano.json': JSON.stringify({
      apps: [
        { name: 'mod', path: 'mod', hostnames: ['mod.test'], origin: originUrl },
        { name: 'sw', path: 'sw', hostnames: ['sw.test'], origin: originUrl },
        { name: 'gone', path: 'mod', hostnames: ['gone.test'], origin: 'http://127.0.0.1:1' },
      ],
    }),
  });
  const s = await serve(['--config', join(root, 'nano.json'), '--no-watch']);
  t.teardown(() => s.stop().then(() => undefined));

  const posted = await fetchRaw(s.port, '/fail?q=1', { host: 'mod.test', method: 'POST', headers: { 'x-client': 'c1', 'content-type': 'text/plain' }, body: 'the request body' });
  t.equal(posted.status, 203, 'the origin\'s answer, as it came');
  t.equal(posted.headers['x-origin'], 'yes');
  t.equal(posted.text, 'origin saw POST /base/fail?q=1', 'path and query under the origin\'s path');
  const first = seen.at(-1);
  t.equal(first?.body, 'the request body', 'the unread body went on');
  t.equal(first?.headers['x-client'], 'c1', 'the client\'s headers went on');
  t.equal(first?.headers.host, 'mod.test', 'with the client\'s Host');
  t.match(String(first?.headers['cdn-loop']), /nano/, 'CDN-Loop names this server');
  t.notOk(Object.keys(first?.headers ?? {}).some((h) => h.startsWith('x-nano')), 'no internal header leaves NANO');
  t.equal((await fetchRaw(s.port, '/ok', { host: 'mod.test' })).text, 'from the app', 'an answered request never reaches the origin');

  const read = await fetchRaw(s.port, '/read', { host: 'mod.test', method: 'POST', body: 'consumed' });
  t.equal(read.status, 500);
  t.match(read.text, /NANO_ERR_NO_ORIGIN.*after reading part of the request body/, 'a body the app read cannot be sent on');

  const sw = await fetchRaw(s.port, '/unanswered', { host: 'sw.test' });
  t.equal(sw.text, 'origin saw GET /base/unanswered', 'a service-worker fetch event with no respondWith falls through');
  t.equal((await fetchRaw(s.port, '/ok', { host: 'sw.test' })).text, 'sw answered');

  const gone = await fetchRaw(s.port, '/x', { host: 'gone.test' });
  t.equal(gone.status, 502);
  t.match(gone.text, /NANO_ERR_ORIGIN_UNREACHABLE/, 'an origin that cannot be reached is a 502 that says so');
});
