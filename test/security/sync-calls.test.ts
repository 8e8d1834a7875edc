// Attack: synchronous host calls hold the main thread, which every app shares (also apps on the
// isolate pool). `textDecode` takes at most 256 KiB per call: the guest decodes larger inputs in
// streamed pieces (results unchanged), and an input it cannot split (ISO-2022-JP) is refused. A URL
// string past 64 KiB is invalid, and a pool app's calls draw from a main-thread budget per second.
import t from 'tap';
import { createHash } from 'node:crypto';
import { neighbours, alive } from '../helpers/neighbours.js';

const APP = `async function sha(text) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}
function sjis(n) {
  // One ASCII byte, then n times "あ" (0x82 0xA0): every 256 KiB boundary cuts a character.
  const b = new Uint8Array(1 + 2 * n);
  b[0] = 0x41;
  for (let i = 0; i < n; i++) { b[1 + 2 * i] = 0x82; b[2 + 2 * i] = 0xa0; }
  return b;
}
export default { async fetch(request) {
  const path = new URL(request.url).pathname;
  if (path === '/latin1') {
    const b = new Uint8Array(2 * 1024 * 1024);
    for (let i = 0; i < b.length; i++) b[i] = i & 0xff;
    return new Response(await sha(new TextDecoder('windows-1252').decode(b)));
  }
  if (path === '/sjis') return new Response(await sha(new TextDecoder('shift_jis', { fatal: true }).decode(sjis(300000))));
  if (path === '/sjis-stream') {
    const d = new TextDecoder('shift_jis');
    const all = sjis(300000);
    let text = '';
    for (let i = 0; i < all.length; i += 700001) text += d.decode(all.subarray(i, i + 700001), { stream: true });
    return new Response(await sha(text + d.decode()));
  }
  if (path === '/sjis-bad') {
    const b = sjis(300000);
    b[400001] = 0xff;
    try { new TextDecoder('shift_jis', { fatal: true }).decode(b); return new Response('decoded'); }
    catch (e) { return new Response(e.name, { status: 400 }); }
  }
  // Not caught: the app's request fails and the host logs the error.
  new TextDecoder('iso-2022-jp').decode(new Uint8Array(1024 * 1024).fill(0x41));
  return new Response('decoded');
} };
`;

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

t.test('textDecode: large inputs decode in pieces, unsplittable ones are refused', async (t) => {
  const n = await neighbours(t, APP, { defaults: { execution: 'pool' }, limits: { cpuMs: 10_000 } });
  const latin = new Uint8Array(2 * 1024 * 1024);
  for (let i = 0; i < latin.length; i++) latin[i] = i & 0xff;
  t.equal((await n.attack('/latin1')).text, sha(new TextDecoder('windows-1252').decode(latin)), '2 MiB of windows-1252 decode as in one piece');
  const expected = sha(`A${'あ'.repeat(300000)}`);
  t.equal((await n.attack('/sjis')).text, expected, 'Shift_JIS cut inside characters at piece boundaries decodes whole');
  t.equal((await n.attack('/sjis-stream')).text, expected, 'and so does a streamed decode with large chunks');
  const bad = await n.attack('/sjis-bad');
  t.equal(`${bad.status} ${bad.text}`, '400 TypeError', 'fatal still fails on an error in a later piece');
  await n.neighbourOk(t, 'beside the large decodes');
  const r = await n.attack('/iso');
  t.equal(r.status, 500, 'an ISO-2022-JP decode over the bound fails the request');
  const log = await n.s.waitForLog((l) => l.app === 'attacker' && /More than 262144 bytes of iso-2022-jp in one call/.test(JSON.stringify(l)));
  t.ok(log, 'the log names the app and the bound');
  await n.neighbourOk(t, 'after');
  await alive(t, n.s);
});

const URL_APP = `export default { async fetch(request) {
  const path = new URL(request.url).pathname;
  if (path === '/long') {
    try { new URL('https://a.example/' + 'a'.repeat(70 * 1024)); return new Response('parsed'); }
    catch (e) { return new Response(e.name, { status: 400 }); }
  }
  // Parses a 60 KiB non-ASCII URL (milliseconds of the host's main thread each) for up to 15 s.
  const long = 'https://a.example/' + '\u20ac'.repeat(60 * 1024);
  const until = Date.now() + 15000;
  let parsed = 0;
  while (Date.now() < until) {
    try { new URL(long); parsed++; }
    catch (e) { return Response.json({ parsed, error: e.name + ': ' + e.message }); }
  }
  return Response.json({ parsed, error: null });
} };
`;

t.test('URL parsing: long strings are invalid, a pool app cannot hold the main thread with parses', async (t) => {
  const n = await neighbours(t, URL_APP, { defaults: { execution: 'pool' }, limits: { cpuMs: 30_000 } });
  const long = await n.attack('/long');
  t.equal(`${long.status} ${long.text}`, '400 TypeError', 'a 70 KiB URL is invalid');
  const r = JSON.parse((await n.attack('/loop')).text) as { parsed: number; error: string | null };
  t.match(r.error, /RangeError: .*share of the main thread/, `the loop is refused once its budget is spent (after ${r.parsed} parses)`);
  const log = await n.s.waitForLog((l) => l.app === 'attacker' && l.limit === 'hostCalls');
  t.ok(log, 'the log names the app and the limit');
  await n.neighbourOk(t, 'after');
  await alive(t, n.s);
});
