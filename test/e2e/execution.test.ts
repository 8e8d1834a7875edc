// Responses arrive intact whichever way an app runs: on the main thread (the response outbox), on
// isolated-vm's thread pool (a callback per response), and across the moment "auto" moves a busy
// app from the one to the other with responses still queued.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, ROOT, type Served } from '../helpers/serve.js';

const app = (name: string): object => ({ name, path: join(ROOT, 'test/fixtures/apps/busy'), hostnames: [`${name}.test`], limits: { cpuMs: 5000 } });

async function check(t: Test, s: Served, host: string, ms: number, n: number): Promise<void> {
  const replies = await Promise.all(Array.from({ length: n }, (_, i) => fetchRaw(s.port, `/r${i}?ms=${ms}`, { host })));
  const wrong = replies.filter((r, i) => r.status !== 200 || r.text !== `busy /r${i}` || r.statusText !== `st /r${i}`);
  t.equal(wrong.length, 0, `${n} responses from ${host} intact`);
}

t.test('execution "pool": every response calls back and arrives', async (t) => {
  const dir = tempTree({ 'nano.json': JSON.stringify({ defaults: { idleEvictMs: 0, execution: 'pool' }, apps: [app('pooled')] }) });
  const s = await serve(['--config', join(dir, 'nano.json')]);
  t.teardown(() => s.stop().then(() => undefined));
  await check(t, s, 'pooled.test', 0, 60);
});

t.test('execution "auto": an app that turns busy moves to the pool without losing a response', async (t) => {
  const dir = tempTree({ 'nano.json': JSON.stringify({ defaults: { idleEvictMs: 0, execution: 'auto' }, apps: [app('auto')] }) });
  const s = await serve(['--config', join(dir, 'nano.json')]);
  t.teardown(() => s.stop().then(() => undefined));
  await check(t, s, 'auto.test', 0, 40);
  // Requests of ~8 ms, several per turn: the policy moves the app once their average passes its
  // bound (past an isolate's first, uncounted turns), while responses of the turn that tipped it
  // are still in the outbox. Rounds go on until the move is logged.
  const moved = (): Promise<boolean> => s.waitForLog((l) => l.app === 'auto' && /thread pool/.test(String(l.msg)), 100).then(() => true, () => false);
  let rounds = 0;
  do {
    rounds++;
    await check(t, s, 'auto.test', 8, 4);
  } while (!(await moved()) && rounds < 100);
  t.ok(await moved(), `the app moved to the pool after ${rounds} rounds of busy requests`);
  await check(t, s, 'auto.test', 0, 40);
});
