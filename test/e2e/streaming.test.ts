// End-to-end streaming through a real `nano serve`: a slow client slows the producer, a client that
// leaves cancels the app's stream, a producer error closes the connection (logged, no hang),
// uploads stream in (early responses, echo), and 1 GiB passes with bounded server memory.
import t from 'tap';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { request, Agent, type IncomingMessage, type ClientRequest } from 'node:http';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { serve, fetchRaw, tempTree, ROOT, type Served } from '../helpers/serve.js';

const dir = tempTree({
  'nano.json': JSON.stringify({
    defaults: { idleEvictMs: 0 },
    // Generating and copying 1 GiB legitimately takes seconds of CPU (and turns are timed on the
    // wall clock, which a parallel suite stretches): this test is about memory, not CPU limits.
    apps: [{ name: 'streaming', path: join(ROOT, 'test/fixtures/apps/streaming'), default: true, limits: { maxBodyBytes: 2 ** 31, cpuMs: 30_000 } }],
  }),
});
let s: Served;
t.before(async () => {
  s = await serve(['--config', join(dir, 'nano.json')]);
});
t.teardown(() => s.stop().then(() => undefined));

interface Stats {
  pulls: number;
  cancels: number;
  lastCancel: string | null;
}
const stats = async (): Promise<Stats> => JSON.parse((await fetchRaw(s.port, '/stats')).text) as Stats;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a request and resolves with its response (the request may still be uploading). */
function open(path: string, opts: { method?: string; headers?: Record<string, string>; agent?: Agent } = {}): { req: ClientRequest; res: Promise<IncomingMessage> } {
  const req = request({ host: '127.0.0.1', port: s.port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: opts.agent ?? false });
  const res = once(req, 'response').then(([r]) => r as IncomingMessage);
  return { req, res };
}
function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
/** Reads a response to its end: 'end' (complete), 'aborted' (connection cut) or 'hang' (5 s). */
async function readOutcome(res: IncomingMessage): Promise<{ outcome: string; chunks: Buffer[] }> {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  const outcome = await Promise.race([
    new Promise<string>((resolve) => res.on('end', () => resolve('end'))),
    new Promise<string>((resolve) => res.on('aborted', () => resolve('aborted'))),
    new Promise<string>((resolve) => res.on('error', () => resolve('aborted'))),
    sleep(5000).then(() => 'hang'),
  ]);
  return { outcome, chunks };
}
function vmRssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) / 1024;
}

t.test('a slow client slows the producer: pulls stop while the client does not read', async (t) => {
  await fetchRaw(s.port, '/reset');
  const chunks = 2048; // 128 MiB in 64 KiB chunks
  const { req, res: pending } = open(`/produce?chunks=${chunks}&size=65536`);
  req.end();
  const res = await pending;
  res.pause();
  // Wait for the pull count to settle: the host stops taking once the socket is full.
  let before = -1;
  let now = (await stats()).pulls;
  for (let i = 0; i < 40 && now !== before; i++) {
    await sleep(150);
    before = now;
    now = (await stats()).pulls;
  }
  t.equal(now, before, `the producer stopped at ${now} pulls while the client was paused`);
  t.ok(now < chunks / 4, `only ${now} of ${chunks} chunks were produced (${(now / 16).toFixed(1)} MiB buffered between app and client)`);
  res.resume();
  const body = await readAll(res);
  t.equal(body.length, chunks * 65536, 'every byte arrives once the client reads');
  t.equal(body[body.length - 1], (chunks - 1) & 255, 'in order');
  t.equal((await stats()).pulls, chunks + 1, 'the producer ran to its end');
});

t.test('a client that disconnects cancels the stream: the app\'s cancel() runs', async (t) => {
  await fetchRaw(s.port, '/reset');
  const { req, res: pending } = open('/infinite');
  req.end();
  const res = await pending;
  let got = 0;
  await new Promise<void>((resolve) => {
    res.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= 1 << 20) resolve();
    });
  });
  req.destroy();
  const line = await s.waitForLog((l) => l.app === 'streaming' && typeof l.msg === 'string' && l.msg.startsWith('stream cancelled'));
  t.match(line.msg, /client disconnected/, 'cancel() got the reason');
  const st = await stats();
  t.equal(st.cancels, 1, 'cancel() ran once');
  await sleep(100);
  t.equal((await stats()).pulls, st.pulls, 'no pulls after the cancel');
});

t.test('request.signal aborts when the client leaves before the response, or while it streams', async (t) => {
  const hang = open('/hang-until-abort');
  hang.req.on('error', () => {});
  hang.res.catch(() => {}); // no response ever comes: the client hangs up
  hang.req.end();
  await sleep(200);
  hang.req.destroy();
  const before = await s.waitForLog((l) => l.app === 'streaming' && typeof l.msg === 'string' && l.msg.startsWith('request.signal aborted (before the response)'));
  t.match(before.msg, /AbortError: The client disconnected/);

  const { req, res: pending } = open('/stream-until-abort');
  req.end();
  const res = await pending;
  await new Promise<void>((resolve) => {
    let got = 0;
    res.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= 3 << 20) resolve(); // past the first MiB: the stream runs through its window
    });
  });
  req.destroy();
  const during = await s.waitForLog((l) => l.app === 'streaming' && typeof l.msg === 'string' && l.msg.startsWith('request.signal aborted (while streaming)'));
  t.match(during.msg, /AbortError: The client disconnected/);

  t.equal((await fetchRaw(s.port, '/signal-after-response')).text, 'done');
  const after = await s.waitForLog((l) => l.app === 'streaming' && typeof l.msg === 'string' && l.msg.startsWith('after the response:'));
  t.equal(after.msg, 'after the response: aborted=false', 'a completed request is never aborted');
});

t.test('a producer error mid-stream closes the connection and is logged (no hang)', async (t) => {
  const { req, res: pending } = open('/fail');
  req.end();
  const res = await pending;
  t.equal(res.statusCode, 200);
  const { outcome, chunks } = await readOutcome(res);
  t.equal(outcome, 'aborted', 'the connection is cut, so the client sees a truncated body');
  t.equal(Buffer.concat(chunks).toString(), 'part 1\npart 2\npart 3\n', 'what came before the error was delivered');
  const line = await s.waitForLog((l) => l.app === 'streaming' && typeof l.err === 'string' && (l.err as string).includes('producer broke mid-stream'));
  t.match(line.msg, /response body stream failed/);
});

const patternByte = (i: number): number => (i * 7 + (i >> 16)) & 255;
function firstMismatch(body: Buffer): number {
  for (let i = 0; i < body.length; i++) if (body[i] !== patternByte(i)) return i;
  return -1;
}

t.test('a bulk body arrives byte-exact through the shared window, also to a client that pauses', async (t) => {
  // 9 MB in 100,003-byte chunks: past the first MiB the bytes cross through the stream's window,
  // and chunks that do not divide it are split and wrap around its end.
  const bytes = 9_000_000;
  const { req, res: pending } = open(`/pattern?bytes=${bytes}&chunk=100003`);
  req.end();
  const res = await pending;
  const chunks: Buffer[] = [];
  let got = 0;
  let pauses = 0;
  res.on('data', (c: Buffer) => {
    chunks.push(c);
    got += c.length;
    // Pause three times for a moment, so the window fills and waits for the socket.
    if (pauses < 3 && got > (pauses + 1) * 2_500_000) {
      pauses++;
      res.pause();
      setTimeout(() => res.resume(), 150);
    }
  });
  await once(res, 'end');
  const body = Buffer.concat(chunks);
  t.equal(body.length, bytes, 'every byte');
  t.equal(firstMismatch(body), -1, 'in order, none corrupted');
});

t.test('a producer error after megabytes (window path) delivers what came before, then cuts', async (t) => {
  const bytes = 3 << 20;
  const { req, res: pending } = open(`/pattern?bytes=${bytes}&chunk=65536&fail=1`);
  req.end();
  const res = await pending;
  const { outcome, chunks } = await readOutcome(res);
  t.equal(outcome, 'aborted', 'the connection is cut: a truncated body, not a complete one');
  const body = Buffer.concat(chunks);
  t.equal(body.length, bytes, 'everything before the error was delivered');
  t.equal(firstMismatch(body), -1, 'byte-exact');
  await s.waitForLog((l) => l.app === 'streaming' && typeof l.err === 'string' && (l.err as string).includes('pattern producer failed on purpose'));
});

t.test('request.body streams: an early response while the upload is still running', async (t) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const { req, res: pending } = open('/early', { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, agent });
  req.write(Buffer.alloc(1000, 1));
  const res = await pending; // arrives before req.end()
  t.equal(res.statusCode, 200);
  t.match((await readAll(res)).toString(), /^first chunk: \d+ bytes$/);
  req.end(Buffer.alloc(4 << 20, 2)); // the rest is discarded by the server
  const again = open('/stats', { agent });
  again.req.end();
  const next = await again.res;
  t.equal(next.statusCode, 200, 'the connection stays usable after the discarded upload');
  await readAll(next);
});

t.test('uploads stream in chunks and echo back while still uploading', async (t) => {
  const size = 64 << 20;
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 255;
  const send = (req: ClientRequest): void => {
    let left = size / chunk.length;
    const write = (): void => {
      while (left > 0) {
        left--;
        if (!req.write(chunk)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  };
  const count = open('/count', { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
  send(count.req);
  t.same(JSON.parse((await readAll(await count.res)).toString()), { total: size }, 'request.body delivered every byte');

  const expected = createHash('sha256');
  for (let i = 0; i < size / chunk.length; i++) expected.update(chunk);
  const digest = expected.digest('hex');
  // /echo returns request.body as it came (the host pipes it); /echo-later returns it after the
  // upload started flowing into the isolate (the bytes cross the isolate both ways).
  for (const path of ['/echo', '/echo-later']) {
    const echo = open(path, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    send(echo.req);
    const res = await echo.res;
    const hash = createHash('sha256');
    let n = 0;
    res.on('data', (c: Buffer) => {
      hash.update(c);
      n += c.length;
    });
    await once(res, 'end');
    t.equal(n, size, `${path}: every byte came back`);
    t.equal(hash.digest('hex'), digest, `${path}: the echo is byte-identical`);
  }
});

t.test('1 GiB streams through with bounded server memory', async (t) => {
  const pid = s.child.pid as number;
  const base = vmRssMiB(pid);
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, vmRssMiB(pid))), 25);
  const started = performance.now();
  const { req, res: pending } = open('/big?mib=1024');
  req.end();
  const res = await pending;
  let n = 0;
  res.on('data', (c: Buffer) => (n += c.length));
  await once(res, 'end');
  const ms = performance.now() - started;
  clearInterval(sampler);
  t.equal(n, 1 << 30, 'every byte arrived');
  t.comment(`1 GiB in ${ms.toFixed(0)} ms (${((1 << 30) / ms / 1e3).toFixed(0)} MB/s); server RSS ${base.toFixed(0)} → peak ${peak.toFixed(0)} MiB`);
  t.ok(peak - base < 150, `server RSS grew by ${(peak - base).toFixed(0)} MiB (bound: 150)`);
});

t.test('SIGTERM after streaming exits 0', async (t) => {
  t.equal((await s.stop('SIGTERM')).code, 0);
});

t.test('a client that leaves a bulk stream of a main-thread app does not stall the server', async (t) => {
  // A main-thread app enters the isolate synchronously: if a failed write were ignored, the body
  // loop would take and write the next batch forever without yielding, and no other request (not
  // even /healthz) would be served until the app's 5 s CPU limit restarted it.
  const cfg = tempTree({
    'nano.json': JSON.stringify({
      defaults: { idleEvictMs: 0, execution: 'main-thread' },
      apps: [{ name: 'streaming', path: join(ROOT, 'test/fixtures/apps/streaming'), default: true, limits: { cpuMs: 5000 } }],
    }),
  });
  const own = await serve(['--config', join(cfg, 'nano.json')]);
  t.teardown(() => own.stop().then(() => undefined));
  const req = request({ host: '127.0.0.1', port: own.port, path: '/infinite', agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let got = 0;
  res.on('data', (c: Buffer) => (got += c.length));
  res.on('error', () => {});
  req.on('error', () => {});
  while (got < 4 << 20) await sleep(20); // past the window threshold: the bulk path is in use
  await sleep(300);
  res.destroy();
  const started = Date.now();
  const health = await fetchRaw(own.port, '/healthz');
  const ms = Date.now() - started;
  t.equal(health.status, 200);
  t.ok(ms < 2500, `/healthz answered ${ms} ms after the client left (a stalled loop holds it for the 5 s CPU limit)`);
  // The app itself keeps serving, without a restart for CPU.
  t.equal((await fetchRaw(own.port, '/stats')).status, 200);
  t.notOk(own.logs.some((l) => l.limit === 'cpu'), 'no CPU-limit restart');
});
