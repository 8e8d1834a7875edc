// The file watcher on real directories with real chokidar: a directory a reload adds is watched
// from the moment the sync resolves, and an edit made before chokidar had it (between the reload
// reading the app and the watch) still asks for a reload; an untouched new directory does not.
import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Watcher } from '../../src/reload/watcher.js';
import { silentLogger } from '../../src/observability/logger.js';
import { until } from '../helpers/lifecycle.js';

function setup(t: Test): { dir: string; changes: string[][]; watcher: Watcher } {
  const dir = mkdtempSync(join(tmpdir(), 'nano-watch-'));
  const changes: string[][] = [];
  const watcher = new Watcher({ debounceMs: 30, log: silentLogger(), onChange: (paths) => changes.push(paths) });
  t.teardown(async () => {
    await watcher.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, changes, watcher };
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

t.test('an edit in a new directory before chokidar watched it still asks for a reload', async (t) => {
  const { dir, changes, watcher } = setup(t);
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a/index.js'), 'a');
  await watcher.start([join(dir, 'a')]);
  mkdirSync(join(dir, 'b'));
  writeFileSync(join(dir, 'b/index.js'), 'b 1');
  // Written before the reload began (not an edit to catch).
  await settle(200);
  // The reload that added b began now and read b/index.js; the edit lands while the sync's
  // chokidar is still scanning b.
  const since = Date.now();
  const synced = watcher.sync([join(dir, 'a'), join(dir, 'b')], since);
  await settle(0);
  writeFileSync(join(dir, 'b/index.js'), 'b 2');
  await synced;
  await until('b reported', () => changes.some((c) => c.some((p) => p.startsWith(join(dir, 'b')))), 5000);
  t.pass(`b was reported: ${JSON.stringify(changes)}`);
  changes.length = 0;
  // Watched now: a later edit is reported by chokidar itself.
  writeFileSync(join(dir, 'b/index.js'), 'b 3');
  await until('the later edit reported', () => changes.length > 0, 5000);
  t.same(changes, [[join(dir, 'b/index.js')]], 'a later edit in b');
});

t.test('a new directory untouched since the reload began gives no extra reload', async (t) => {
  const { dir, changes, watcher } = setup(t);
  mkdirSync(join(dir, 'a'));
  await watcher.start([join(dir, 'a')]);
  mkdirSync(join(dir, 'b/lib'), { recursive: true });
  writeFileSync(join(dir, 'b/index.js'), 'b');
  writeFileSync(join(dir, 'b/lib/x.js'), 'x');
  await settle(200);
  await watcher.sync([join(dir, 'a'), join(dir, 'b')], Date.now());
  await settle(300);
  t.same(changes, [], 'no reload asked for');
  // A removed root is no longer watched; the one left still is.
  await watcher.sync([join(dir, 'a')], Date.now());
  writeFileSync(join(dir, 'b/index.js'), 'b 2');
  writeFileSync(join(dir, 'a/new.js'), 'n');
  await until('the edit in a reported', () => changes.length > 0, 5000);
  await settle(100);
  t.same(changes, [[join(dir, 'a/new.js')]], 'only a is reported');
});
