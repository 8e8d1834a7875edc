// Both ways the runtime gets into an isolate (startup snapshot, code cache) behave the same, and
// isolates of both kinds live side by side in one process without crashing it: isolated-vm's
// maintainer links mixing snapshots to crashes (upstream #420), so this mixes them on purpose.
import t from 'tap';
import { RuntimeIsolate } from '../../src/isolates/runtime-isolate.js';
import { defaultStartup, lazyLoadModule, type Startup } from '../../src/isolates/runtime-image.js';

const PROBE = `JSON.stringify({
  url: new URL('/p?q=1', 'https://a.example').href,
  header: new Headers({ 'X-A': 'b' }).get('x-a'),
  text: new TextDecoder().decode(new TextEncoder().encode('héllo')),
  event: (() => { let got = ''; addEventListener('ping', (e) => { got = e.type; }); dispatchEvent(new Event('ping')); return got; })(),
  wasm: typeof WebAssembly.compile,
  uuid: crypto.randomUUID().length,
  random: Math.random(),
  origin: performance.timeOrigin,
  sab: typeof SharedArrayBuffer,
  stream: String(new Response('x').body),
  pattern: new URLPattern({ pathname: '/a/:id' }).exec('https://x.example/a/7').pathname.groups.id,
})`;

async function probe(startup: Startup): Promise<Record<string, unknown>> {
  const iso = await RuntimeIsolate.create({ name: `probe-${startup}`, startup });
  try {
    return JSON.parse(iso.context.evalSync(PROBE) as string) as Record<string, unknown>;
  } finally {
    iso.dispose();
  }
}

t.test('the default is code-cache with the native module, the snapshot without; NANO_STARTUP chooses', async (t) => {
  const saved = process.env.NANO_STARTUP;
  t.teardown(() => {
    if (saved === undefined) delete process.env.NANO_STARTUP;
    else process.env.NANO_STARTUP = saved;
  });
  delete process.env.NANO_STARTUP;
  t.equal(defaultStartup(), lazyLoadModule() === null ? 'snapshot' : 'code-cache');
  process.env.NANO_STARTUP = 'snapshot';
  t.equal(defaultStartup(), 'snapshot');
  process.env.NANO_STARTUP = 'code-cache';
  t.equal(defaultStartup(), 'code-cache');
  process.env.NANO_STARTUP = 'bogus';
  t.equal(defaultStartup(), lazyLoadModule() === null ? 'snapshot' : 'code-cache', 'an unknown value is ignored');
});

t.test('a code-cache isolate starts with no host or warm-up globals left, and serves', async (t) => {
  const iso = await RuntimeIsolate.create({ name: 'warm-check', startup: 'code-cache' });
  t.teardown(() => iso.dispose());
  // The process's warm-up request ran in a throwaway isolate with stub host globals; boot removes
  // the real ones from this isolate.
  t.same(iso.context.evalSync(`JSON.stringify([typeof __nano_call, typeof __nano_send, typeof __nano_runtime, typeof __nano_native, typeof __nano_boot])`), JSON.stringify(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']));
  t.equal(iso.context.evalSync(`new Response('ok').status`), 200);
});

t.test('snapshot and code-cache isolates give the same web platform; per-isolate state is fresh', async (t) => {
  const a = await probe('snapshot');
  const b = await probe('snapshot');
  const c = await probe('code-cache');
  for (const r of [a, b, c]) {
    t.same({ ...r, random: 0, origin: 0 }, { url: 'https://a.example/p?q=1', header: 'b', text: 'héllo', event: 'ping', wasm: 'function', uuid: 36, random: 0, origin: 0, sab: 'function', stream: '[object ReadableStream]', pattern: '7' });
  }
  t.not(a.random, b.random, 'Math.random is not replayed from the snapshot');
  t.ok(Math.abs(Number(a.origin) - Date.now()) < 60_000, 'performance.timeOrigin is the isolate\'s, not the snapshot\'s');
});

t.test('snapshot and plain isolates mixed under load: no crash, every isolate answers', async (t) => {
  const live: RuntimeIsolate[] = [];
  const deadline = performance.now() + 4000;
  let made = 0;
  let asyncRuns = 0;
  let wrong = 0;
  while (performance.now() < deadline) {
    const startup: Startup = made % 3 === 0 ? 'code-cache' : 'snapshot';
    const iso = await RuntimeIsolate.create({ name: `mix-${made}`, startup });
    // Strings and objects that go through V8's string table and hashing, sync and async.
    const code = `(() => { const o = {}; for (let i = 0; i < 100; i++) o['k' + (i % 13) + Math.random().toString(36).slice(2, 4)] = i; return JSON.stringify(o).length > 0 && new URL('https://x.example/' + ${made}).pathname === '/${made}'; })()`;
    if (iso.context.evalSync(code) !== true) wrong++;
    if (made % 7 === 0) {
      if ((await iso.context.eval(code)) !== true) wrong++;
      asyncRuns++;
    }
    live.push(iso);
    if (live.length > 40) live.splice(Math.floor(Math.random() * live.length), 1)[0]!.dispose();
    made++;
  }
  for (const iso of live) iso.dispose();
  t.equal(wrong, 0, 'every isolate computed the right answer');
  t.ok(made > 100, `${made} isolates (a third from source), ${asyncRuns} async runs`);
});
