// A thread's share of a core (src/isolates/thread-share.ts) is read from the scheduler: a busy
// thread that shares its core with two spinning processes waits about two thirds of the time, and
// the wall clock its entries get grows to match, for the main thread and for isolated-vm's pool.
// Real processes pinned with taskset.
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const module = fileURLToPath(new URL('../../src/isolates/thread-share.js', import.meta.url));
const hasTaskset = process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

const busyMain = `const end = Date.now() + 2500;
  const work = () => { const e = Date.now() + 20; while (Date.now() < e); if (Date.now() < end) setImmediate(work); else console.log(wallPerCpu(true)); };
  work();`;
// A pool isolate spins 2.5 s (the main thread idles); the pool's factor is asked for before and after.
const busyPool = `wallPerCpu(false);
  const ivm = (await import('isolated-vm')).default;
  const iso = new ivm.Isolate({ memoryLimit: 16 });
  const ctx = iso.createContextSync();
  await iso.compileScriptSync('const end = Date.now() + 2500; while (Date.now() < end);').run(ctx);
  console.log(wallPerCpu(false));`;

/** Runs `busy` in a process pinned to core 0 beside `spinners` spinning processes; the factor it prints. */
async function factorWith(spinners: number, work = busyMain): Promise<number> {
  const busy: ChildProcess[] = [];
  for (let i = 0; i < spinners; i++) busy.push(spawn('taskset', ['-c', '0', process.execPath, '-e', 'for(;;);'], { stdio: 'ignore' }));
  try {
    const code = `import(${JSON.stringify(module)}).then(async ({ wallPerCpu }) => { ${work} });`;
    const child = spawn('taskset', ['-c', '0', process.execPath, '--no-node-snapshot', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d));
    await new Promise((resolve) => child.on('close', resolve));
    return Number(out.trim());
  } finally {
    for (const p of busy) p.kill('SIGKILL');
  }
}

t.test('a main thread that waits for its core gets a longer wall-clock slice', { skip: !hasTaskset && 'Linux with taskset only' }, async (t) => {
  const starved = await factorWith(2);
  const alone = await factorWith(0);
  t.ok(starved >= 2, `sharing its core with two spinning processes: ${starved.toFixed(2)}× wall per CPU`);
  t.ok(alone < starved, `alone: ${alone.toFixed(2)}×`);
});

t.test('a pool thread that waits for its core gets a longer wall-clock timeout too', { skip: !hasTaskset && 'Linux with taskset only' }, async (t) => {
  const starved = await factorWith(2, busyPool);
  const alone = await factorWith(0, busyPool);
  t.ok(starved >= 2, `sharing its core with two spinning processes: ${starved.toFixed(2)}× wall per CPU`);
  t.ok(alone < starved, `alone: ${alone.toFixed(2)}×`);
});
