// End-to-end: a real `nano serve` child with many apps; routing, both app syntaxes, modules,
// limits with neighbours still answering, exceptions, bodies, concurrency and isolation.
import t from 'tap';
import { join } from 'node:path';
import { request, type IncomingMessage } from 'node:http';
import { serve, fetchRaw, ROOT, type Served } from '../helpers/serve.js';

const config = join(ROOT, 'test/fixtures/core.json');
let s: Served;

t.before(async () => {
  s = await serve(['--config', config]);
});
t.teardown(() => s.stop().then(() => undefined));

const get = (host: string, path = '/', opts: Parameters<typeof fetchRaw>[2] = {}) => fetchRaw(s.port, path, { host, ...opts });

t.test('routes by Host: exact (case-insensitive, port ignored), wildcard, unknown', async (t) => {
  const a = await get('hello.test', '/x');
  t.equal(a.status, 200);
  t.equal(a.text, 'hello GET /x hi-hello');
  t.equal(a.headers['x-app'], 'hello');
  t.equal(a.headers['content-length'], String(a.body.length), 'known bodies carry content-length');
  t.equal((await get('HELLO.EXAMPLE.com:8080', '/y')).text, 'hello GET /y hi-hello');
  t.equal((await get('a.b.wild.test', '/w')).text, 'hello GET /w wild');
  t.equal((await get('wild.test')).status, 404, 'the wildcard does not match the bare domain');
  const u = await get('nobody.test');
  t.equal(u.status, 404);
  t.same(JSON.parse(u.text), { error: { code: 'NANO_ERR_NO_APP', message: 'no app serves this host' } });
  t.notMatch(u.text, /hello|probe|apps\//, 'names nothing internal');
});

t.test('service-worker syntax with env as globals', async (t) => {
  t.equal((await get('sw.test')).text, 'sw GET hi-sw');
});

t.test('multi-module app: relative imports and JSON modules', async (t) => {
  t.same(JSON.parse((await get('multi.test')).text), { msg: 'MULTI!', data: { n: 42 } });
});

t.test('health endpoints are not routed to apps', async (t) => {
  t.equal((await get('hello.test', '/healthz')).status, 200);
  t.equal((await get('hello.test', '/readyz')).status, 200);
});

t.test('synchronous infinite loop: 503 for that request, fresh isolate, neighbours unaffected', async (t) => {
  // On the shared main thread the loop is stopped at the 100 ms slice and the app moves to the
  // thread pool (test/security/main-thread.test.ts), where the GET runs again and loops into the
  // app's own cpuMs.
  const [bad, good] = await Promise.all([get('loop.test', '/loop'), get('hello.test', '/n')]);
  t.equal(good.status, 200);
  t.equal(bad.status, 503);
  t.equal((JSON.parse(bad.text) as { error: { code: string } }).error.code, 'NANO_ERR_CPU_LIMIT');
  t.notMatch(bad.text, /at |\.js:/, 'no stack in the body');
  await s.waitForLog((l) => l.app === 'loop' && l.limit === 'cpu');
  t.equal((await get('loop.test', '/')).text, 'loop app ok', 'the app answers again');
});

t.test('CPU hog spread over many turns is stopped by the per-request budget', async (t) => {
  const bad = await get('hog.test', '/hog');
  t.equal(bad.status, 503);
  t.equal((JSON.parse(bad.text) as { error: { code: string } }).error.code, 'NANO_ERR_CPU_LIMIT');
  t.equal((await get('hello.test')).status, 200);
  t.equal((await get('hog.test', '/')).text, 'hog app ok');
});

t.test('memory bomb: 503, log line naming app and limit, fresh isolate', async (t) => {
  // The first bomb may be stopped at the main thread's slice first (the app then runs on the pool).
  let bad = await get('bomb.test', '/bomb');
  if ((JSON.parse(bad.text) as { error: { code: string } }).error.code === 'NANO_ERR_ISOLATE_RESTARTED') bad = await get('bomb.test', '/bomb');
  t.equal(bad.status, 503);
  t.equal((JSON.parse(bad.text) as { error: { code: string } }).error.code, 'NANO_ERR_MEMORY_LIMIT');
  await s.waitForLog((l) => l.app === 'bomb' && l.limit === 'memory');
  t.equal((await get('hello.test')).status, 200);
  t.equal((await get('bomb.test', '/')).text, 'bomb app ok');
});

t.test('uncaught exceptions: 500 with a generic body, stack in the log', async (t) => {
  for (const path of ['/sync', '/async', '/notresponse']) {
    const r = await get('throws.test', path);
    t.equal(r.status, 500, path);
    t.notMatch(r.text, /secret|passwd|detail|at /, 'no message or stack leaks');
  }
  const line = await s.waitForLog((l) => l.app === 'throws' && typeof l.stack === 'string' && (l.stack as string).includes('secret internal detail'));
  t.ok(line, 'the stack is logged');
});

t.test('request and response bodies: large, binary, headers', async (t) => {
  const big = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
  const r = await get('echo.test', '/echo', { method: 'POST', body: big, headers: { 'x-test': 'yes' } });
  t.equal(r.status, 200);
  t.equal(r.headers['x-len'], String(big.length));
  t.ok(r.body.equals(big), 'the echoed body is byte-identical');
  t.equal((JSON.parse(r.headers['x-headers'] as string) as Record<string, string>)['x-test'], 'yes');
  const out = await get('echo.test', '/big?n=5000000');
  t.equal(out.body.length, 5_000_000);
  t.equal(out.body[4_999_999], 4_999_999 & 255);
  const streamed = await get('echo.test', '/stream-body', { method: 'PUT', body: big });
  t.same(JSON.parse(streamed.text), { total: big.length }, 'request.body streams');
});

t.test('a request body chunk\'s buffer holds that chunk only (no headers, no other bytes)', async (t) => {
  for (const body of ['abc', Buffer.alloc(100_000, 'z')]) {
    const r = await get('echo.test', '/first-chunk', { method: 'POST', body, headers: { 'x-secret': 'hunter2' } });
    const seen = JSON.parse(r.text) as { chunk: number; buffer: number; foreign: boolean };
    t.equal(seen.buffer, seen.chunk, `a ${seen.chunk}-byte chunk comes in a buffer of its own size`);
    t.equal(seen.foreign, false);
  }
});

t.test('body over maxBodyBytes gets 413, declared or streamed', async (t) => {
  // keep-alive: the server then reads and discards the rest of the body instead of closing.
  const declared = await get('echo.test', '/echo', { method: 'POST', body: Buffer.alloc(33554433), headers: { connection: 'keep-alive' } });
  t.equal(declared.status, 413);
  const chunked = await get('echo.test', '/stream-body', { method: 'POST', body: Buffer.alloc(33554433), headers: { 'transfer-encoding': 'chunked', connection: 'keep-alive' } });
  t.equal(chunked.status, 413);
  t.equal((await get('echo.test', '/echo', { method: 'POST', body: 'small' })).headers['x-len'], '5', 'the app still answers');
});

t.test('streaming responses arrive chunk by chunk', async (t) => {
  const r = await get('stream.test');
  t.equal(r.text, 'chunk0\nchunk1\nchunk2\nchunk3\nchunk4\n');
  t.equal(r.headers['transfer-encoding'], 'chunked');
});

t.test('concurrent requests to one app all answer correctly', async (t) => {
  const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => get('hello.test', `/c${i}`)));
  t.ok(replies.every((r, i) => r.status === 200 && r.text === `hello GET /c${i} hi-hello`));
  // Requests that arrive in one event-loop turn enter the isolate as one batch: each keeps its
  // own method, URL, headers (also an empty value) and body.
  const echoes = await Promise.all(
    Array.from({ length: 100 }, (_, i) => get('echo.test', `/e${i}?q=${i}`, { method: i % 2 === 0 ? 'POST' : 'PUT', body: `body-${i}`, headers: { 'x-n': String(i), 'x-empty': '' } })),
  );
  const wrong = echoes.filter((r, i) => {
    const h = JSON.parse(String(r.headers['x-headers'])) as Record<string, string>;
    return r.status !== 200 || r.headers['x-method'] !== (i % 2 === 0 ? 'POST' : 'PUT') || r.text !== `body-${i}` || h['x-n'] !== String(i) || h['x-empty'] !== '';
  });
  t.equal(wrong.length, 0, 'every batched request kept its own fields');
});

t.test('responses of one batch keep their own status, statusText, headers and body', async (t) => {
  // String bodies up to 64 KiB leave the isolate together after the entry (src/protocol/bridge.ts,
  // OUTBOX) in one length-prefixed string: bodies with line feeds, non-Latin-1 text, empty and
  // absent bodies, and bodies over the limit (which call back one by one) all in one turn.
  const bodyOf = (i: number): string => (i % 4 === 0 ? `line\n${i}\n\n€😀 ${i}` : i % 4 === 1 ? '' : i % 4 === 2 ? 'x'.repeat(65_536 + i) : `no body ${i}`);
  const replies = await Promise.all(Array.from({ length: 80 }, (_, i) => get('echo.test', `/text?status=${i % 4 === 3 ? 204 : 200}`, { method: 'POST', body: bodyOf(i) })));
  const wrong = replies.filter((r, i) => {
    const sent = bodyOf(i);
    const noBody = i % 4 === 3;
    return r.status !== (noBody ? 204 : 200) || r.statusText !== `st-${sent.length}` || r.headers['x-len'] !== String(sent.length) || r.text !== (noBody ? '' : sent) || (!noBody && r.headers['content-length'] !== String(Buffer.byteLength(sent)));
  });
  t.equal(wrong.length, 0, 'every response arrived intact');
});

t.test('a request body returned untouched is piped back within the body size limit', async (t) => {
  // Declared length: echoed whole, with the app's headers.
  const body = Buffer.alloc(3 << 20);
  for (let i = 0; i < body.length; i++) body[i] = (i * 13) & 255;
  const r = await get('echo.test', '/pass', { method: 'POST', body });
  t.equal(r.status, 200);
  t.equal(r.headers['x-pass'], '1');
  t.ok(r.body.equals(body), 'the body came back byte-identical');
  // Chunked, past the app's 32 MiB limit: the status is already sent, so the response is cut.
  const req = request({ host: '127.0.0.1', port: s.port, path: '/pass', method: 'POST', headers: { host: 'echo.test', 'transfer-encoding': 'chunked' } });
  req.on('error', () => {});
  const res = (await new Promise((resolve) => {
    req.on('response', resolve);
    req.write(Buffer.alloc(1024));
  })) as IncomingMessage;
  t.equal(res.statusCode, 200);
  let received = 0;
  res.on('data', (c: Buffer) => (received += c.length));
  const cut = new Promise<string>((resolve) => {
    res.on('end', () => resolve('end'));
    res.on('aborted', () => resolve('aborted'));
    res.on('error', () => resolve('aborted'));
  });
  const chunk = Buffer.alloc(1 << 20, 1);
  for (let i = 0; i < 40 && !req.destroyed; i++) {
    if (!req.write(chunk)) await Promise.race([new Promise((resolve) => req.once('drain', resolve)), cut]);
  }
  t.equal(await cut, 'aborted', 'the response was cut at the limit');
  t.ok(received <= 33 * 2 ** 20, `no more than the limit came back (${received} bytes)`);
  req.destroy();
  // Piped by the host, the cut is logged as such. When a first chunk entered the isolate before the
  // app returned the body (a busy machine), the host cannot take it over: the body then streams
  // through the isolate, and the limit errors that stream.
  await s.waitForLog((l) => l.app === 'echo' && /over the size limit while piped|response body stream failed/.test(String(l.msg)));
  t.equal((await get('echo.test', '/pass', { method: 'POST', body: 'still here' })).text, 'still here', 'the app still answers');
});

t.test('ctx.waitUntil work completes after the response', async (t) => {
  t.equal((await get('waituntil.test', '/')).text, 'scheduled');
  await s.waitForLog((l) => l.app === 'waituntil' && l.msg === 'waitUntil finished');
  t.equal((await get('waituntil.test', '/count')).text, '1');
});

t.test('nothing of Node or the host bridge is reachable from an isolate', async (t) => {
  const r = JSON.parse((await get('probe.test')).text) as Record<string, unknown>;
  for (const k of ['process', 'require', 'module', 'Buffer', 'global', '__nano_call', '__nano_send', '__nano_entry', '__nano_env_globals', 'ivm']) {
    t.equal(r[k], 'undefined', `${k} is not defined`);
  }
  t.same(r.nanoKeys, [], 'no underscore globals left behind');
  t.equal(r.importFs, 'refused', 'node: imports fail');
  t.equal(r.fnProcess, 'undefined');
  t.equal(r.ctor, 'undefined', 'the Function constructor reaches no process either');
  t.same(r.envKeys, ['MINE'], 'an app sees only its own env');
  t.equal(r.envFrozen, true);
});

t.test('SIGTERM with nothing in flight exits 0', async (t) => {
  const r = await s.stop('SIGTERM');
  t.equal(r.code, 0);
});
