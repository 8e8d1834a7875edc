// Memory of disposed isolates goes back to the OS: V8's page pool after its 8 s delay, then
// glibc's free lists through the malloc_trim addon (src/isolates/memory-release.ts).
import t from 'tap';
import { RuntimeIsolate } from '../../src/isolates/runtime-isolate.js';
import { configureMemoryRelease, memoryReleaseAvailable, noteIsolateDisposed, onMemoryRelease, type MemoryReleaseReport } from '../../src/isolates/memory-release.js';

const mib = () => process.memoryUsage.rss() / 1048576;
const linux = process.platform === 'linux';
const noAddon = memoryReleaseAvailable() ? false : 'no malloc_trim addon on this platform';

t.test('the addon is built on glibc Linux', { skip: !linux && 'Linux only' }, async (t) => {
  t.ok(memoryReleaseAvailable(), 'dist/native/malloc-trim.node loads (scripts/build.mjs compiles it)');
});

t.test('disposing 150 isolates gives their memory back after one release', { skip: noAddon }, async (t) => {
  const reports: MemoryReleaseReport[] = [];
  const off = onMemoryRelease((r) => reports.push(r));
  t.teardown(off);
  const start = mib();
  const isolates: RuntimeIsolate[] = [];
  for (let i = 0; i < 150; i++) {
    const iso = await RuntimeIsolate.create({ name: `m${i}` });
    iso.context.evalSync('globalThis.junk = Array.from({ length: 2000 }, (_, i) => ({ i, s: "x" + i }))');
    isolates.push(iso);
  }
  const peak = mib();
  t.ok(peak - start > 100, `150 isolates take memory (${Math.round(peak - start)} MiB)`);
  for (const iso of isolates) iso.dispose();
  const disposed = mib();
  // One release, 9 s after the last disposal (V8's page-pool delay and a margin), for the burst.
  await new Promise((r) => setTimeout(r, 10_500));
  t.equal(reports.length, 1, 'a burst of disposals costs one release');
  const after = mib();
  t.ok(after < disposed - 0.4 * (peak - start), `RSS: ${Math.round(start)} start, ${Math.round(peak)} peak, ${Math.round(disposed)} right after dispose, ${Math.round(after)} after the release`);
  t.ok(reports[0]!.rssAfterMiB < reports[0]!.rssBeforeMiB, `malloc_trim itself returned ${Math.round(reports[0]!.rssBeforeMiB - reports[0]!.rssAfterMiB)} MiB in ${reports[0]!.ms} ms`);
});

t.test('a disposal after the release was armed re-arms it once; disabled means none', { skip: noAddon }, async (t) => {
  const reports: MemoryReleaseReport[] = [];
  const off = onMemoryRelease((r) => reports.push(r));
  t.teardown(() => {
    off();
    configureMemoryRelease({ poolDelayMs: 8000, enabled: true });
  });
  configureMemoryRelease({ poolDelayMs: 200 });
  noteIsolateDisposed();
  await new Promise((r) => setTimeout(r, 150));
  noteIsolateDisposed(); // lands while the first release is armed, too late for it
  await new Promise((r) => setTimeout(r, 700));
  t.equal(reports.length, 2, 'the late disposal got one more release, and no more');
  configureMemoryRelease({ enabled: false });
  t.equal(memoryReleaseAvailable(), false);
  noteIsolateDisposed();
  await new Promise((r) => setTimeout(r, 400));
  t.equal(reports.length, 2, 'no release while disabled');
});
