// Attack: decompression streams hold their output on the host until the app reads it. Each
// stream holds at most 1 MiB, and the streams of one app hold about 8 MiB together (each stream
// then pauses once it holds 64 KiB), so 64 unread bombs cost the host ~12 MiB, not 64 MiB; a
// 65th open stream is refused and logged.
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { neighbours, alive } from '../helpers/neighbours.js';

const BOMB = gzipSync(Buffer.alloc(64 << 20));

const APP = `const streams = [];
export default { async fetch(request) {
  const path = new URL(request.url).pathname;
  const bomb = new Uint8Array(await request.arrayBuffer());
  if (path === '/fill') {
    for (let i = 0; i < 64; i++) {
      const ds = new DecompressionStream('gzip');
      const w = ds.writable.getWriter();
      w.write(bomb).catch(() => {});
      const r = ds.readable.getReader();
      // One read starts the host stream; nothing more is read.
      await r.read();
      streams.push([w, r]);
    }
    return new Response('open ' + streams.length);
  }
  if (path === '/more') {
    const ds = new DecompressionStream('gzip');
    const w = ds.writable.getWriter();
    try { await w.write(bomb); return new Response('opened'); }
    catch (e) { return new Response(e.name + ': ' + e.message, { status: 400 }); }
  }
  if (path === '/drain') {
    // Reading one stream to its end still works while the others hold their share.
    const ds = new DecompressionStream('gzip');
    const w = ds.writable.getWriter();
    for (const [w2, r2] of streams.splice(0, 1)) { r2.cancel(); }
    w.write(bomb); w.close();
    let total = 0;
    for (const r = ds.readable.getReader();;) { const { value, done } = await r.read(); if (done) break; total += value.length; }
    return new Response('read ' + total);
  }
  return new Response('?', { status: 404 });
} };
`;

t.test('zlib: output held per app is bounded, stream count too', async (t) => {
  const n = await neighbours(t, APP, { limits: { cpuMs: 10_000, memoryMb: 256 } });
  await n.neighbourOk(t, 'before');
  const before = n.rssMb();
  const fill = await n.attack('/fill', { method: 'POST', body: BOMB });
  t.equal(fill.text, 'open 64');
  // Let zlib fill what it may.
  await new Promise((r) => setTimeout(r, 500));
  const grown = n.rssMb() - before;
  t.ok(grown < 48, `server RSS grew ${grown.toFixed(0)} MiB with 64 unread bombs (bound 48; 64 MiB+ unbounded)`);
  await n.neighbourOk(t, 'with 64 bombs open');
  const more = await n.attack('/more', { method: 'POST', body: BOMB });
  t.equal(more.status, 400);
  t.match(more.text, /^TypeError: Too many open compression streams in this app \(limit 64\)/);
  const log = await n.attackerLog(/hit the host limit zlib\.streams/);
  t.equal(log.code, 'NANO_ERR_HOST_LIMIT');
  const drain = await n.attack('/drain', { method: 'POST', body: BOMB });
  t.equal(drain.text, `read ${64 << 20}`, 'a stream read to its end is not held back by the others');
  await n.neighbourOk(t, 'after');
  await alive(t, n.s);
});
