// Idle isolates get a memory-reducing GC through the lazy-load native module: RuntimeIsolate's
// reduceMemory() frees the garbage a request left, and AppInstance asks for it once per idle period.
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RuntimeIsolate } from '../../src/isolates/runtime-isolate.js';
import { lazyLoadModule } from '../../src/isolates/runtime-image.js';
import { AppInstance } from '../../src/isolates/app-instance.js';
import { COMPACT_MAX_REQUESTS, IDLE_COMPACT_MS } from '../../src/isolates/compaction.js';
import type { AppSettings } from '../../src/isolates/app-settings.js';
import { readAppCode } from '../../src/isolates/app-code.js';
import { silentLogger } from '../../src/observability/logger.js';
import { noopHooks } from '../../src/observability/hooks.js';

/** One real HTTP request (127.0.0.1, ephemeral port) served by the app. */
async function fetchApp(app: AppInstance): Promise<string> {
  const server = createServer((req, res) => app.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await (await fetch(`http://127.0.0.1:${port}/`)).text();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const skip = lazyLoadModule() === null ? 'no lazy-load native module (NANO_LAZY_GLOBALS=0 or not built)' : false;

t.test('reduceMemory() frees what the isolate no longer uses', { skip }, async (t) => {
  const iso = await RuntimeIsolate.create({ name: 'reduce' });
  t.teardown(() => iso.dispose());
  t.ok(iso.canReduceMemory);
  // Garbage in old space, as a long-lived request would leave it (kept until the heap grows).
  iso.context.evalSync(`globalThis.keep = Array.from({ length: 3000 }, (_, i) => ({ i, s: 'x'.repeat(100) + i })); void 0`);
  iso.context.evalSync(`globalThis.keep = null; void 0`);
  const used = (): number => iso.isolate.getHeapStatisticsSync().used_heap_size;
  const before = used();
  await iso.reduceMemory();
  const after = used();
  t.ok(before - after > 300 * 1024, `heap used ${before} -> ${after}`);
  t.equal(iso.context.evalSync(`new Response('still works').status`), 200, 'the isolate serves on');
});

t.test('a rarely used app is compacted once, when idle', { skip }, async (t) => {
  const settings: AppSettings = { name: 'idle', memoryMb: 128, cpuMs: 1000, wallMs: 30_000, maxBodyBytes: 1 << 20, idleEvictMs: 0, execution: 'main-thread', envJson: '{}' };
  const app = new AppInstance(settings, await readAppCode('test/fixtures/apps/hello'), silentLogger(), noopHooks);
  t.teardown(() => app.dispose());
  const now = Date.now();
  t.equal(app.compactIfIdle(now + IDLE_COMPACT_MS), null, 'no isolate yet: nothing to compact');
  await app.warm();
  t.equal(app.compactIfIdle(Date.now()), null, 'just used');
  const done = app.compactIfIdle(Date.now() + IDLE_COMPACT_MS);
  t.ok(done instanceof Promise, 'idle long enough');
  await done;
  t.equal(app.compactIfIdle(Date.now() + 10 * IDLE_COMPACT_MS), null, 'once');
  t.ok(app.hasIsolate, 'compaction keeps the isolate');
  t.match(await fetchApp(app), /^hello GET \//);
  t.equal(app.compactIfIdle(Date.now() + 10 * IDLE_COMPACT_MS), null, 'once per isolate, also after more requests');
});

t.test('a busy app is never compacted (its optimized code would be lost)', { skip }, async (t) => {
  const settings: AppSettings = { name: 'busy', memoryMb: 128, cpuMs: 1000, wallMs: 30_000, maxBodyBytes: 1 << 20, idleEvictMs: 0, execution: 'main-thread', envJson: '{}' };
  const app = new AppInstance(settings, await readAppCode('test/fixtures/apps/hello'), silentLogger(), noopHooks);
  t.teardown(() => app.dispose());
  for (let i = 0; i < COMPACT_MAX_REQUESTS; i++) await fetchApp(app);
  t.equal(app.compactIfIdle(Date.now() + 10 * IDLE_COMPACT_MS), null, `${COMPACT_MAX_REQUESTS} requests served: not compacted`);
});
