// The server gives each rarely used app's isolate one memory-reducing GC soon after the app goes
// idle (Server.#armCompaction, AppInstance.compactIfIdle), and none to a busy app: a real server
// process, real requests, the count read from /metrics. Isolates stay out of this test's process
// (tests that keep their own isolates then idle for seconds have aborted at exit under coverage,
// in isolated-vm's IsolateEnvironment::GetCurrent).
import t from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw } from '../helpers/serve.js';
import { workspace, writeConfig, adminClient, until, ADMIN_TOKEN } from '../helpers/lifecycle.js';
import { COMPACT_MAX_REQUESTS, IDLE_COMPACT_MS } from '../../src/isolates/compaction.js';
import { lazyLoadModule } from '../../src/isolates/runtime-image.js';

const skip = lazyLoadModule() === null ? 'no lazy-load native module (NANO_LAZY_GLOBALS=0 or not built)' : false;

t.test('a server compacts each app served a few times once it goes idle, and no busy app', { skip }, async (t) => {
  const dir = workspace({ a: 'plain', b: 'plain', busy: 'plain' });
  writeConfig(dir, {
    admin: { port: 0, token: ADMIN_TOKEN },
    apps: ['a', 'b', 'busy'].map((name) => ({ name, path: name, hostnames: [`${name}.test`] })),
  });
  const s = await serve(['--config', join(dir, 'nano.json'), '--no-watch']);
  t.teardown(() => s.stop().then(() => undefined));
  const admin = adminClient(s);
  const compactions = async (): Promise<Record<string, number>> => {
    const text = (await admin.call('GET', '/metrics')).text;
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^nano_isolate_compactions_total\{app="([^"]+)"\} (\d+)$/gm)) out[m[1] as string] = Number(m[2]);
    return out;
  };
  // All at once, so no request of the busy app ends an idle period of IDLE_COMPACT_MS.
  const busy = await Promise.all(Array.from({ length: COMPACT_MAX_REQUESTS }, () => fetchRaw(s.port, '/', { host: 'busy.test' })));
  t.ok(busy.every((r) => r.status === 200), `${COMPACT_MAX_REQUESTS} requests to the busy app`);
  t.equal((await fetchRaw(s.port, '/', { host: 'a.test' })).status, 200);
  t.equal((await fetchRaw(s.port, '/', { host: 'b.test' })).status, 200);
  t.equal((await fetchRaw(s.port, '/', { host: 'b.test' })).status, 200);
  const seen = await until('both rarely used apps compacted', async () => {
    const c = await compactions();
    return c.a === 1 && c.b === 1 ? c : undefined;
  });
  t.same(seen, { a: 1, b: 1 }, `no compaction of an app that served ${COMPACT_MAX_REQUESTS} requests`);
  // Compacted isolates serve on, and are not compacted again.
  t.equal((await fetchRaw(s.port, '/', { host: 'a.test' })).status, 200);
  await new Promise((r) => setTimeout(r, 4 * IDLE_COMPACT_MS + 1000));
  t.same(await compactions(), { a: 1, b: 1 }, 'once per isolate');
});
