// The main thread keeps its priority; every other thread of `nano serve` (isolates on the pool,
// libuv's workers, V8's helpers) runs at a higher nice value, so a tenant's background CPU yields
// to the thread that serves every app. Read from /proc, on a real server whose app runs on the pool.
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, type Served } from '../helpers/serve.js';

/** The name and nice value of each thread of `pid` (field 19 of /proc/<pid>/task/<tid>/stat). */
function niceByThread(pid: number): Map<number, { comm: string; nice: number }> {
  const out = new Map<number, { comm: string; nice: number }>();
  for (const name of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${name}/stat`, 'utf8');
      const comm = readFileSync(`/proc/${pid}/task/${name}/comm`, 'utf8').trim();
      out.set(Number(name), { comm, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) });
    } catch {
      // The thread ended while we read.
    }
  }
  return out;
}

const APP = `export default { async fetch(request) {
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(1 << 20));
  return new Response(String(new Uint8Array(digest)[0]));
} };
`;

async function served(t: Test, env: NodeJS.ProcessEnv): Promise<Served> {
  const dir = tempTree({ 'app/index.js': APP, 'nano.json': JSON.stringify({ defaults: { execution: 'pool' }, apps: [{ name: 'pool', path: 'app', default: true }] }) });
  const s = await serve(['--config', join(dir, 'nano.json')], env);
  t.teardown(() => s.stop().then(() => undefined));
  // Pool isolates and libuv workers start on use; the sweep runs every 500 ms.
  for (let i = 0; i < 4; i++) t.equal((await fetchRaw(s.port, '/')).status, 200);
  await new Promise((r) => setTimeout(r, 1200));
  return s;
}

t.test('every thread but the main one and V8\'s helpers runs at nice 10', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  const s = await served(t, {});
  const pid = s.child.pid as number;
  const nice = niceByThread(pid);
  t.equal(nice.get(pid)?.nice, 0, 'the main thread keeps nice 0');
  const v8 = [...nice].filter(([tid, x]) => tid !== pid && (x.comm === 'V8Worker' || x.comm === 'DelayedTaskSche'));
  const others = [...nice].filter(([tid, x]) => tid !== pid && !v8.some(([v]) => v === tid));
  t.ok(v8.length >= 1, `V8's platform workers (${v8.length})`);
  t.same(v8.filter(([, x]) => x.nice !== 0), [], 'keep nice 0: the main thread waits for them in its GC pauses');
  t.ok(others.length >= 4, `the server has other helper threads (${others.length})`);
  t.same(others.filter(([, x]) => x.nice !== 10), [], 'each of them runs at nice 10');
});

t.test('NANO_HELPER_NICE=0 leaves the threads alone', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  const s = await served(t, { NANO_HELPER_NICE: '0' });
  const nice = niceByThread(s.child.pid as number);
  t.same([...nice.values()].filter((x) => x.nice !== 0), [], 'every thread keeps nice 0');
});
