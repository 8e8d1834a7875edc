// The main thread's share of a core (src/isolates/main-thread-share.ts) is read from the
// scheduler: a busy thread that shares its core with two spinning processes waits about two
// thirds of the time, and its wall-clock slice grows to match. Real processes pinned with taskset.
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const module = fileURLToPath(new URL('../../src/isolates/main-thread-share.js', import.meta.url));
const hasTaskset = process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Runs a busy main thread pinned to core 0 for 2.5 s beside `spinners` spinning processes; its wallPerCpu() then. */
async function factorWith(spinners: number): Promise<number> {
  const busy: ChildProcess[] = [];
  for (let i = 0; i < spinners; i++) busy.push(spawn('taskset', ['-c', '0', process.execPath, '-e', 'for(;;);'], { stdio: 'ignore' }));
  try {
    const code = `import(${JSON.stringify(module)}).then(({ wallPerCpu }) => {
      const end = Date.now() + 2500;
      const work = () => { const e = Date.now() + 20; while (Date.now() < e); if (Date.now() < end) setImmediate(work); else console.log(wallPerCpu()); };
      work();
    });`;
    const child = spawn('taskset', ['-c', '0', process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
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
