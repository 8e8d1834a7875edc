// The main thread is shared by every app: a looping app, a slow or failing start-up and a crash
// loop cost their neighbours at most one main-thread slice, and a failing app answers 503 with
// Retry-After at once while it backs off.
import t from 'tap';
import { fetchRaw, type Served } from '../helpers/serve.js';
import { serveWithNeighbour, probeNeighbour, neighbourAlive, errorCode } from '../helpers/neighbours.js';
import { MAIN_THREAD_SLICE_MS, MAIN_THREAD_SLICE_UNREPLAYABLE_MS } from '../../src/isolates/limit-enforcer.js';

/** Room for a busy machine above the slice. */
const ROOM_MS = 250;

const spin = (ms: number): string => `{ const end = Date.now() + ${ms}; while (Date.now() < end) {} }`;
const apps = {
  // Loops on every request to /loop; answers otherwise.
  looper: `export default { fetch(request) {
    if (new URL(request.url).pathname === '/loop') for (;;) {}
    return new Response('looper ok');
  } };`,
  // Spins 900 ms at top level, then fills its memory: it can never start.
  startbomb: `${spin(900)}
    const keep = []; for (;;) keep.push(new Array(100000).fill(1));
    export default { fetch: () => new Response('never') };`,
  // Loops on the pool, allocating nothing.
  poolloop: `export default { fetch(request) {
    if (new URL(request.url).pathname === '/loop') for (;;) {}
    return new Response('poolloop ok');
  } };`,
  // Reads an upload, then works 120 ms on it in one turn: a legitimate app with one slow request.
  uploader: `export default { async fetch(request) {
    const body = await request.arrayBuffer();
    ${spin(120)}
    return new Response('got ' + body.byteLength);
  } };`,
  // Throws at top level after 200 ms.
  crashloop: `${spin(200)} throw new Error('cannot start');
    export default { fetch: () => new Response('never') };`,
};

let s: Served;
t.before(async () => {
  s = await serveWithNeighbour(apps, { startbomb: { memoryMb: 16 }, poolloop: { execution: 'pool', cpuMs: 200 } });
});
t.teardown(() => s.stop().then(() => undefined));

/**
 * The neighbour's slowest answer may take the slice `app` was stopped at, plus room. The slice is
 * CPU time: the server logs the wall clock it gave (more while the machine starves the process).
 */
function worstBound(app: string): number {
  const given = s.logs.filter((l) => l.app === app && typeof l.wallMs === 'number').map((l) => Number(l.wallMs));
  return Math.max(MAIN_THREAD_SLICE_MS, ...given) + ROOM_MS;
}

/** The longest the neighbour waited for one answer while `attack` ran. */
async function worstWhile(attack: () => Promise<void>): Promise<{ worst: number; failures: string[] }> {
  const probe = probeNeighbour(s);
  await new Promise((r) => setTimeout(r, 100));
  await attack();
  const { latencies, failures } = await probe.stop();
  return { worst: Math.max(...latencies), failures };
}

t.test('a looping app is stopped at the slice once, then loops on the pool: neighbours keep answering', async (t) => {
  const codes: string[] = [];
  const { worst, failures } = await worstWhile(async () => {
    for (let i = 0; i < 5; i++) codes.push(errorCode((await fetchRaw(s.port, '/loop', { host: 'looper.test' })).text) ?? 'none');
  });
  // The first loop is stopped at the main thread's slice and, a GET, runs again on the pool.
  await s.waitForLog((l) => l.app === 'looper' && l.limit === 'mainThreadSlice');
  t.equal(codes[0], 'NANO_ERR_CPU_LIMIT', 'the first loop ends at the app\'s own cpuMs, on the pool');
  t.ok(codes.slice(1).every((c) => c === 'NANO_ERR_CPU_LIMIT' || c === 'NANO_ERR_APP_BACKOFF'), `later loops hit the app's own cpuMs on the pool (or its backoff): ${codes.join(', ')}`);
  t.same(failures, [], 'every neighbour request answered');
  // Five loops of 1 s each would stop every app for 5 s; the main thread is held once, for the slice.
  const bound = worstBound('looper');
  t.ok(worst < bound, `the neighbour's slowest answer took ${Math.round(worst)} ms (bound ${bound} ms)`);
  t.ok(await neighbourAlive(s));
});

t.test('an upload whose turn outlasts the short slice is not failed: it gets the longer one, and the app moves to the pool', async (t) => {
  const { worst, failures } = await worstWhile(async () => {
    const r = await fetchRaw(s.port, '/', { host: 'uploader.test', method: 'POST', body: 'x'.repeat(1000) });
    t.equal(r.status, 200, 'a POST whose body was read cannot be replayed: stopping it would fail it');
    t.equal(r.text, 'got 1000');
  });
  await s.waitForLog((l) => l.app === 'uploader' && /running it on the isolate thread pool/.test(String(l.msg)));
  t.notOk(s.logs.some((l) => l.app === 'uploader' && l.limit === 'mainThreadSlice'), 'no entry was stopped');
  t.same(failures, []);
  t.ok(worst < MAIN_THREAD_SLICE_UNREPLAYABLE_MS + ROOM_MS, `the neighbour's slowest answer took ${Math.round(worst)} ms`);
});

t.test('an app that cannot start backs off: 503 with Retry-After at once, no rebuild per request', async (t) => {
  const replies: { code: string | undefined; retryAfter: unknown; ms: number }[] = [];
  const { worst, failures } = await worstWhile(async () => {
    for (let i = 0; i < 8; i++) {
      const started = performance.now();
      const r = await fetchRaw(s.port, '/', { host: 'startbomb.test' });
      replies.push({ code: errorCode(r.text), retryAfter: r.headers['retry-after'], ms: performance.now() - started });
    }
  });
  t.equal(replies[0]?.code, 'NANO_ERR_APP_LOAD', 'the first start fails: its memory limit');
  const backoff = replies.filter((r) => r.code === 'NANO_ERR_APP_BACKOFF');
  t.ok(backoff.length >= 5, `${backoff.length} of 8 requests answered from the backoff`);
  t.ok(backoff.every((r) => Number(r.retryAfter) >= 1), 'each with Retry-After');
  t.ok(backoff.every((r) => r.ms < 200), 'answered at once, without starting the app');
  const line = await s.waitForLog((l) => l.app === 'startbomb' && l.msg === 'app failed to load');
  t.match(String(line.err), /start-up exceeded 16 MiB|start-up used more than/, 'the log says why it failed');
  t.ok(typeof line.retryInMs === 'number');
  t.same(failures, []);
  // The top level spins 900 ms: on the main thread only for the slice, the rest on the pool.
  const bound = worstBound('startbomb');
  t.ok(worst < bound, `the neighbour's slowest answer took ${Math.round(worst)} ms (bound ${bound} ms)`);
});

t.test('a crash loop at top level: backoff grows, the neighbour is unaffected', async (t) => {
  const codes: (string | undefined)[] = [];
  const { failures } = await worstWhile(async () => {
    for (let i = 0; i < 6; i++) codes.push(errorCode((await fetchRaw(s.port, '/', { host: 'crashloop.test' })).text));
  });
  t.equal(codes[0], 'NANO_ERR_APP_LOAD');
  t.ok(codes.filter((c) => c === 'NANO_ERR_APP_BACKOFF').length >= 3, `answers: ${codes.join(', ')}`);
  const loads = s.logs.filter((l) => l.app === 'crashloop' && l.msg === 'app failed to load');
  t.ok(loads.length <= 3, `${loads.length} start attempts for 6 requests`);
  t.same(failures, []);
  t.ok(await neighbourAlive(s));
});

t.test('a CPU restart on the pool is never followed by a "memory" restart of the fresh isolate', async (t) => {
  for (let i = 0; i < 3; i++) {
    const r = await fetchRaw(s.port, '/loop', { host: 'poolloop.test' });
    t.equal(errorCode(r.text), 'NANO_ERR_CPU_LIMIT');
    // A request served in between ends the backoff that two limits in a row start.
    t.equal((await fetchRaw(s.port, '/', { host: 'poolloop.test' })).text, 'poolloop ok', 'the fresh isolate serves');
  }
  await new Promise((r) => setTimeout(r, 300));
  const restarts = s.logs.filter((l) => l.app === 'poolloop' && typeof l.limit === 'string').map((l) => l.limit);
  t.same(restarts, ['cpu', 'cpu', 'cpu'], 'one restart per loop, each for its CPU limit');
});
