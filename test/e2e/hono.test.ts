// A real Workers app on a router framework: Hono from npm, bundled by esbuild (format esm) into a
// temp dir and served by a real `nano serve`, runs unchanged: routes, params, JSON, form parsing,
// streaming, middleware, errors and 404s.
import t from 'tap';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { serve, fetchRaw, tempTree, ROOT, type Served } from '../helpers/serve.js';

const dir = tempTree({});
let s: Served;
t.before(async () => {
  await build({
    entryPoints: [join(ROOT, 'test/fixtures/apps/hono-src/worker.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(dir, 'app/index.js'),
    logLevel: 'silent',
  });
  const config = { defaults: { idleEvictMs: 0 }, apps: [{ name: 'hono', path: join(dir, 'app'), default: true, env: { GREETING: 'hi from env' } }] };
  writeFileSync(join(dir, 'nano.json'), JSON.stringify(config));
  s = await serve(['--config', join(dir, 'nano.json')]);
});
t.teardown(() => s.stop().then(() => undefined));

const get = (path: string, opts: Parameters<typeof fetchRaw>[2] = {}): ReturnType<typeof fetchRaw> => fetchRaw(s.port, path, { host: 'hono.test', ...opts });

t.test('text, JSON and middleware headers', async (t) => {
  const home = await get('/');
  t.equal(home.status, 200);
  t.equal(home.text, 'Hello from Hono!');
  t.match(home.headers['content-type'], /^text\/plain/);
  t.equal(home.headers['x-powered-by'], 'hono-on-nano', 'middleware ran after the handler');
  t.same(JSON.parse((await get('/json')).text), { ok: true, runtime: 'NANO' });
  t.equal((await get('/env')).text, 'hi from env', 'c.env is the app env');
});

t.test('path params and query strings', async (t) => {
  t.same(JSON.parse((await get('/users/42?q=x%20y')).text), { id: '42', q: 'x y' });
  t.same(JSON.parse((await get('/users/abc')).text), { id: 'abc', q: null });
});

t.test('sub-app routes: JSON bodies and multipart form parsing', async (t) => {
  const echo = await get('/api/echo', { method: 'POST', body: JSON.stringify({ a: [1, 2] }), headers: { 'content-type': 'application/json' } });
  t.equal(echo.status, 201);
  t.same(JSON.parse(echo.text), { received: { a: [1, 2] }, contentType: 'application/json' });
  const boundary = 'hono-test-boundary';
  const form =
    `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nnano\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="hello.txt"\r\nContent-Type: text/plain\r\n\r\nfile contents\r\n` +
    `--${boundary}--\r\n`;
  const parsed = await get('/api/form', { method: 'POST', body: form, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  t.same(JSON.parse(parsed.text), { name: 'nano', file: { name: 'hello.txt', size: 13, text: 'file contents' } });
});

t.test('streaming helper (TransformStream underneath) streams chunk by chunk', async (t) => {
  const r = await get('/stream');
  t.equal(r.status, 200);
  t.equal(r.text, 'tick 0\ntick 1\ntick 2\n');
  t.equal(r.headers['transfer-encoding'], 'chunked');
});

t.test('HTTPException and notFound handlers', async (t) => {
  const fail = await get('/fail');
  t.equal(fail.status, 418);
  t.equal(fail.text, 'I am a teapot');
  const missing = await get('/nope/really');
  t.equal(missing.status, 404);
  t.same(JSON.parse(missing.text), { error: 'not here', path: '/nope/really' });
});
