// Attacks on WebCrypto: parameters that pass the guest as strings but mean hours of host work,
// and a flood of operations meant to fill libuv's 4 threads (shared by every app's crypto, DNS,
// zlib and file reads). The host converts and bounds parameters itself, runs at most 2 crypto
// jobs at a time in the whole process with free slots taken by the apps in turn, and bounds each
// app's waiting line (past it: QuotaExceededError).
import t from 'tap';
import { neighbours, alive } from '../helpers/neighbours.js';

const PARAMS = `const tries = {
  pbkdf2: async () => {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(16), 'PBKDF2', false, ['deriveBits']);
    return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: '4000000000' }, key, 256);
  },
  rsa: () => crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: '16384', publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign']),
  hmac: () => crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 4294967295 }, false, ['sign']),
  hmacDerived: async () => {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(16), 'PBKDF2', false, ['deriveKey']);
    return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: 1 }, key, { name: 'HMAC', hash: 'SHA-256', length: '2000000000' }, false, ['sign']);
  },
  fine: async () => {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(16), 'PBKDF2', false, ['deriveBits']);
    return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: '1000' }, key, 256);
  },
};
export default { async fetch(request) {
  const which = new URL(request.url).pathname.slice(1);
  try {
    const r = await tries[which]();
    return new Response('ok ' + (r.byteLength ?? typeof r));
  } catch (e) {
    return new Response((e instanceof DOMException ? 'DOMException ' : '') + e.name + ': ' + e.message, { status: 400 });
  }
} };
`;

t.test('numeric parameters are converted and bounded on the host', async (t) => {
  const n = await neighbours(t, PARAMS, { limits: { wallMs: 10_000 } });
  for (const [path, pattern] of [
    ['/pbkdf2', /^DOMException NotSupportedError: PBKDF2 with more than 1000000 iterations/],
    ['/rsa', /^DOMException NotSupportedError: RSA keys longer than 8192 bits/],
    ['/hmac', /^DOMException NotSupportedError: HMAC keys longer than 65536 bits/],
    ['/hmacDerived', /^DOMException NotSupportedError: HMAC keys longer than 65536 bits/],
  ] as const) {
    const r = await n.attack(path);
    t.equal(r.status, 400, `${path}: refused`);
    t.match(r.text, pattern, `${path}: ${r.text}`);
    await n.neighbourOk(t, `after ${path}`, { digest: true });
  }
  t.equal((await n.attack('/fine')).text, 'ok 32', 'a string that converts to a number within bounds still works');
  await alive(t, n.s);
});

const FLOOD = `export default { async fetch(request) {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(16), 'PBKDF2', false, ['deriveBits']);
  const jobs = Array.from({ length: 400 }, () => crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: 100000 }, key, 256));
  const out = await Promise.allSettled(jobs);
  const count = {};
  for (const o of out) {
    const k = o.status === 'fulfilled' ? 'ok' : (o.reason instanceof DOMException ? 'DOMException ' : '') + o.reason.name;
    count[k] = (count[k] ?? 0) + 1;
  }
  const quota = out.find((o) => o.status === 'rejected');
  return new Response(JSON.stringify({ count, message: quota?.reason.message ?? null }));
} };
`;

t.test('a crypto flood: bounded waiting line, the neighbour gets its turn', async (t) => {
  const n = await neighbours(t, FLOOD, { limits: { cpuMs: 5000, wallMs: 120_000 } });
  await n.neighbourOk(t, 'before', { digest: true });
  let floodDone = false;
  const flood = n.attack('/').then((r) => {
    floodDone = true;
    return r;
  });
  await n.attackerLog(/hit the host limit crypto\.waiting/);
  await n.neighbourOk(t, 'with crypto during the flood', { digest: true });
  t.notOk(floodDone, 'the neighbour\'s crypto did not wait for the attacker\'s queue to drain');
  const r = await flood;
  t.equal(r.status, 200);
  const body = JSON.parse(r.text) as { count: Record<string, number>; message: string };
  t.ok((body.count.ok ?? 0) >= 128, `the first operations run (${body.count.ok})`);
  t.ok((body.count['DOMException QuotaExceededError'] ?? 0) > 0, `the rest are refused with QuotaExceededError (${JSON.stringify(body.count)})`);
  t.match(body.message, /Too many crypto operations waiting in this app \(limit 128 operations/);
  const log = await n.attackerLog(/hit the host limit crypto\.waiting/);
  t.equal(log.code, 'NANO_ERR_HOST_LIMIT');
  t.ok((await n.metric('nano_host_limit_hits_total{app="attacker",limit="crypto.waiting"}')) > 0, 'the refusals are counted in /metrics');
  await n.neighbourOk(t, 'after', { digest: true });
  await alive(t, n.s);
});
