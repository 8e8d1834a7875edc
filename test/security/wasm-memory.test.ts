// Attack: WebAssembly memory lives outside the isolate's heap, so the isolate's memoryLimit never
// saw it (1 GiB memories with every page touched grew the server by 1 GiB each). The memories an
// app reaches from JS may hold its memoryMb together, and the host caps every single memory
// (a module's own memory too) at the largest memoryMb of the configured apps.
import t from 'tap';
import { neighbours, alive } from '../helpers/neighbours.js';

const APP = `function touch(buffer) {
  const u = new Uint8Array(buffer);
  for (let i = 0; i < u.length; i += 4096) u[i] = 1;
  return u.length;
}
// A module with its own (not exported) memory of 16384 pages: 1 GiB.
const OWN_MEMORY = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5, 1, 0, 0x80, 0x80, 1]);
const SMALL_MEMORY = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1]);
const keep = [];
export default { async fetch(request) {
  const path = new URL(request.url).pathname;
  if (path === '/memory') return new Response('touched ' + touch(new WebAssembly.Memory({ initial: 16384 }).buffer));
  try {
    if (path === '/grow') {
      const m = new WebAssembly.Memory({ initial: 1 });
      m.grow(16383);
      return new Response('touched ' + touch(m.buffer));
    }
    if (path === '/many') {
      for (let i = 0; i < 16; i++) { const m = new WebAssembly.Memory({ initial: 1000 }); touch(m.buffer); keep.push(m); }
      return new Response('kept ' + keep.length);
    }
    if (path === '/module') {
      const { instance } = await WebAssembly.instantiate(OWN_MEMORY);
      return new Response('instantiated');
    }
    if (path === '/fine') {
      const m = new WebAssembly.Memory({ initial: 256, maximum: 512 });
      m.grow(100);
      const { instance } = await WebAssembly.instantiate(SMALL_MEMORY);
      return new Response('ok ' + touch(m.buffer) + ' ' + (m instanceof WebAssembly.Memory) + ' ' + (instance instanceof WebAssembly.Instance));
    }
  } catch (e) {
    return new Response(e.name + ': ' + e.message, { status: 400 });
  }
  return new Response('?', { status: 404 });
} };
`;

t.test('WebAssembly memory counts against memoryMb', async (t) => {
  const n = await neighbours(t, APP, { limits: { cpuMs: 10_000 } });
  await n.neighbourOk(t, 'before');
  const before = n.rssMb();
  const fine = await n.attack('/fine');
  t.equal(fine.text, `ok ${356 * 65536} true true`, 'memories within the limit work, grow and keep their types');

  const r = await n.attack('/memory');
  t.equal(r.status, 500, 'a 1 GiB memory fails the request');
  const log = await n.s.waitForLog((l) => l.app === 'attacker' && /WebAssembly memory over this app's limit: 16\d\d\d pages of 64 KiB in use or asked for, 2048 allowed \(limits\.memoryMb\)/.test(JSON.stringify(l)));
  t.ok(log, 'the log names the app and the limit');
  await n.neighbourOk(t, 'after /memory');

  const grow = await n.attack('/grow');
  t.equal(grow.status, 400);
  t.match(grow.text, /^RangeError: WebAssembly memory over this app's limit: 16\d{3} pages/, 'grow past the limit: RangeError');

  const many = await n.attack('/many');
  t.equal(many.status, 400);
  t.match(many.text, /^RangeError: WebAssembly memory over this app's limit: \d+ pages of 64 KiB in use or asked for, 2048 allowed/, 'many memories together: RangeError');

  const mod = await n.attack('/module');
  t.equal(mod.status, 400);
  t.match(mod.text, /^RangeError: /, `a module's own 1 GiB memory is refused by the host (${mod.text})`);
  await n.neighbourOk(t, 'after the attacks');

  const grown = n.rssMb() - before;
  t.ok(grown < 300, `server RSS grew ${grown.toFixed(0)} MiB (bound 300)`);
  await alive(t, n.s);
});
