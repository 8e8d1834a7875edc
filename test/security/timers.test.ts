// Timers and background work are bounded per app: live timers are capped (an error past the cap),
// nested and repeating 0 ms timers are clamped, background CPU draws from a per-app budget, and a
// waitUntil that never settles stops holding the app after its limit.
import t from 'tap';
import { fetchRaw, type Served } from '../helpers/serve.js';
import { serveWithNeighbour, probeNeighbour, neighbourAlive, errorCode } from '../helpers/neighbours.js';

const apps = {
  // Arms as many 0 ms intervals as it can, reporting where setInterval refused.
  storm: `let armed = 0; let refused = '';
  export default { fetch(request) {
    if (new URL(request.url).pathname === '/arm') {
      try { for (let i = 0; i < 100000; i++) { setInterval(() => {}, 0); armed++; } } catch (e) { refused = e.name + ': ' + e.message; }
      return Response.json({ armed, refused });
    }
    return new Response('storm ok');
  } };`,
  // Measures the spacing of a 0 ms interval's firings and of a nested 0 ms setTimeout chain.
  clamp: `export default { async fetch() {
    const gaps = (arm) => new Promise((resolve) => { const at = []; arm(at, resolve); });
    const interval = await gaps((at, done) => { const id = setInterval(() => { at.push(performance.now()); if (at.length === 30) { clearInterval(id); done(at); } }, 0); });
    const chain = await gaps((at, done) => { const step = () => { at.push(performance.now()); if (at.length === 30) done(at); else setTimeout(step, 0); }; setTimeout(step, 0); });
    const span = (at) => at[29] - at[9];
    return Response.json({ interval: span(interval), chain: span(chain) });
  } };`,
  // Background work after the response: computes for a while in every 0 ms timer, forever. The
  // work is counted in steps, not on the clock: on a busy machine a clock-timed spin uses less CPU.
  background: `export default { fetch(request) {
    if (new URL(request.url).pathname === '/spin') {
      const spin = () => { let x = 0; for (let i = 0; i < 2e7; i++) x = (x * 31 + i) | 0; globalThis.sink = x; setTimeout(spin, 0); };
      setTimeout(spin, 0);
      return new Response('spinning');
    }
    return new Response('background ok');
  } };`,
  // A waitUntil that never settles.
  forever: `export default { fetch(request, env, ctx) {
    ctx.waitUntil(new Promise(() => {}));
    return new Response('forever ok');
  } };`,
};

let s: Served;
t.before(async () => {
  // A budget of 300 ms per 10 s: spent within the window even by a starved pool thread.
  s = await serveWithNeighbour(apps, { background: { cpuMs: 300 } });
});
t.teardown(() => s.stop().then(() => undefined));

t.test('100,000 intervals of 0 ms: refused past the cap with an error, the neighbour keeps answering', async (t) => {
  const probe = probeNeighbour(s);
  const r = await fetchRaw(s.port, '/arm', { host: 'storm.test' });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const { failures, latencies } = await probe.stop();
  const body = JSON.parse(r.text) as { armed: number; refused: string };
  t.equal(body.armed, 1000, 'one thousand live timers at most');
  t.match(body.refused, /^RangeError: Too many live timers/, 'setInterval throws past the cap');
  t.same(failures, []);
  t.ok(latencies.length > 20, `the neighbour answered ${latencies.length} requests during the storm`);
  t.ok(Math.max(...latencies) < 1500, `slowest neighbour answer ${Math.round(Math.max(...latencies))} ms`);
  t.ok(await neighbourAlive(s));
});

t.test('0 ms intervals and nested 0 ms timeouts are clamped to 4 ms after five levels', async (t) => {
  const r = JSON.parse((await fetchRaw(s.port, '/', { host: 'clamp.test' })).text) as { interval: number; chain: number };
  // 20 firings past the fifth: at least 20 × 4 ms apart (unclamped, they come microseconds apart).
  t.ok(r.interval >= 75, `20 interval firings took ${r.interval.toFixed(1)} ms`);
  t.ok(r.chain >= 75, `20 nested timeouts took ${r.chain.toFixed(1)} ms`);
});

t.test('background CPU after the response draws from the app\'s budget: the isolate is restarted', async (t) => {
  const probe = probeNeighbour(s);
  t.equal((await fetchRaw(s.port, '/spin', { host: 'background.test' })).text, 'spinning');
  const line = await s.waitForLog((l) => l.app === 'background' && l.limit === 'backgroundCpu', 20_000);
  t.match(String(line.msg), /background work used more than 300 ms of CPU/);
  const { failures } = await probe.stop();
  t.same(failures, []);
  let again = await fetchRaw(s.port, '/', { host: 'background.test' });
  if (errorCode(again.text) === 'NANO_ERR_APP_BACKOFF') {
    await new Promise((resolve) => setTimeout(resolve, Number(again.headers['retry-after']) * 1000));
    again = await fetchRaw(s.port, '/', { host: 'background.test' });
  }
  t.equal(again.text, 'background ok', 'a fresh isolate serves the app');
});

t.test('a waitUntil that never settles is given up after its limit (30 s)', { timeout: 60_000 }, async (t) => {
  t.equal((await fetchRaw(s.port, '/', { host: 'forever.test' })).text, 'forever ok');
  const line = await s.waitForLog((l) => l.app === 'forever' && l.limit === 'waitUntil', 40_000);
  t.match(String(line.msg), /still pending after 30000 ms/);
});
