// Values an isolate hands the host are hostile: an app that patches the built-ins the runtime
// relies on gets an error response and a fresh isolate; the process and its neighbour carry on.
import t from 'tap';
import { fetchRaw, type Served } from '../helpers/serve.js';
import { serveWithNeighbour, probeNeighbour, neighbourAlive, errorCode } from '../helpers/neighbours.js';

const apps = {
  // A fake chunk passes the guest's `instanceof Uint8Array` check once hasInstance is patched.
  hasinstance: `export default { async fetch() {
    Object.defineProperty(Uint8Array, Symbol.hasInstance, { value: () => true });
    return new Response(new ReadableStream({ start(c) { c.enqueue({ byteLength: 1 }); c.close(); } }));
  } };`,
  // byteLength tells the truth until more than 1 MiB has streamed, then -2^30.
  bytelength: `export default { async fetch(request) {
    if (new URL(request.url).pathname === '/') return new Response('bytelength ok');
    const TA = Object.getPrototypeOf(Uint8Array.prototype);
    const real = Object.getOwnPropertyDescriptor(TA, 'byteLength').get;
    let sent = 0;
    Object.defineProperty(TA, 'byteLength', { configurable: true, get() { const n = real.call(this); return sent > (1 << 20) ? -(2 ** 30) : n; } });
    let i = 0;
    return new Response(new ReadableStream({ pull(c) {
      if (i++ === 64) return c.close();
      const chunk = new Uint8Array(65536).fill(i);
      sent += 65536;
      c.enqueue(chunk);
    } }));
  } };`,
  // Every iteration protocol and array method the runtime might use is replaced.
  patched: `export default { async fetch(request) {
    if (new URL(request.url).pathname === '/') return new Response('patched ok');
    const bad = function () { throw new Error('patched built-in called'); };
    for (const name of ['push', 'pop', 'shift', 'map', 'filter', 'join', 'slice', 'splice', 'forEach', 'indexOf', 'concat', 'reduce', 'some', 'every', 'includes', 'find']) Array.prototype[name] = bad;
    Array.prototype[Symbol.iterator] = bad;
    Map.prototype[Symbol.iterator] = bad;
    Map.prototype.get = bad; Map.prototype.set = bad;
    Set.prototype.add = bad;
    Promise.prototype.then = bad;
    String.prototype.split = bad; String.prototype.slice = bad; String.prototype.indexOf = bad;
    JSON.stringify = bad; JSON.parse = bad;
    Object.defineProperty(Object.prototype, 'chunks', { get: bad, configurable: true });
    Object.defineProperty(Object.prototype, 'done', { get: bad, configurable: true });
    const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('streamed')); c.close(); } });
    return new Response(body, { headers: { 'x-a': '1', 'x-b': '2' } });
  } };`,
};

let s: Served;
t.before(async () => {
  s = await serveWithNeighbour(apps);
});
t.teardown(() => s.stop().then(() => undefined));

t.test('a fake chunk behind a patched Symbol.hasInstance: 502 for the app, the process lives', async (t) => {
  const probe = probeNeighbour(s);
  const replies = [];
  for (let i = 0; i < 3; i++) replies.push(await fetchRaw(s.port, '/', { host: 'hasinstance.test' }).catch((e: unknown) => ({ status: 0, text: String(e) })));
  const { failures } = await probe.stop();
  for (const r of replies) {
    t.equal(r.status, 502, 'the attacker gets 502');
    t.equal(errorCode(r.text), 'NANO_ERR_APP_PROTOCOL');
  }
  const line = await s.waitForLog((l) => l.app === 'hasinstance' && l.limit === 'protocol');
  t.match(String(line.msg), /not a list of byte arrays/, 'the log names what broke the contract');
  t.same(failures, [], 'the neighbour answered every request during the attack');
  t.ok(await neighbourAlive(s), 'process alive, neighbour answers after');
});

t.test('a byteLength getter that turns negative mid-stream cannot make the host read out of bounds', async (t) => {
  const probe = probeNeighbour(s);
  const r = await fetchRaw(s.port, '/stream', { host: 'bytelength.test' }).then(
    (x) => ({ status: x.status, body: x.body, error: '' }),
    (e: unknown) => ({ status: 0, body: Buffer.alloc(0), error: String(e) }),
  );
  const { failures } = await probe.stop();
  // The app corrupts its own stream's accounting; whatever it gets (its bytes, or an error when
  // the host refused what the isolate handed over), the host never crashes and never sends a
  // byte the app did not produce: a 200 body is a prefix of chunks 1, 2, 3, …
  if (r.status === 200) {
    const foreign = r.body.findIndex((b, i) => b !== (i >> 16) + 1);
    t.equal(foreign, -1, `only the app's own bytes (${r.body.length} bytes${r.error === '' ? '' : `, ${r.error}`})`);
  } else if (r.status !== 0) t.ok(r.status >= 500 && errorCode(r.body.toString()) !== undefined, `an error response: ${r.status} ${r.body.toString()}`);
  t.ok(r.body.length <= 64 * 65536);
  t.same(failures, []);
  t.ok(await neighbourAlive(s));
  t.equal((await fetchRaw(s.port, '/', { host: 'bytelength.test' })).text, 'bytelength ok', 'the attacker app itself is served again');
});

t.test('patched iteration and array methods around every host call', async (t) => {
  const probe = probeNeighbour(s);
  const replies = [];
  for (let i = 0; i < 3; i++) replies.push(await fetchRaw(s.port, '/go', { host: 'patched.test' }).catch((e: unknown) => ({ status: 0, text: String(e), headers: {} })));
  const { failures } = await probe.stop();
  // A broken runtime answers 502 and restarts the isolate; after two in a row the app is in backoff.
  for (const r of replies) {
    const code = errorCode(r.text);
    t.ok(r.status === 200 ? r.text === 'streamed' : code === 'NANO_ERR_APP_PROTOCOL' || code === 'NANO_ERR_APP_BACKOFF', `attacker: ${r.status} ${r.text.slice(0, 60)}`);
  }
  t.same(failures, []);
  t.ok(await neighbourAlive(s));
  let after = await fetchRaw(s.port, '/', { host: 'patched.test' });
  if (errorCode(after.text) === 'NANO_ERR_APP_BACKOFF') {
    await new Promise((r) => setTimeout(r, Number(after.headers['retry-after']) * 1000));
    after = await fetchRaw(s.port, '/', { host: 'patched.test' });
  }
  t.equal(after.text, 'patched ok', 'a fresh isolate serves the app again');
});
