// A supervised NANO's config reload and admin API, on a real `nano serve --workers 2` child: a
// file change is validated once in the supervisor (a bad config never reaches a worker, the
// running one keeps serving), a good one reaches every worker; /metrics sums the workers and says
// which worker died; POST /admin/restart replaces the workers.
import t from 'tap';
import { fetchRaw } from '../helpers/serve.js';
import { adminClient, ADMIN_TOKEN, writeAtomic } from '../helpers/lifecycle.js';
import { serveWorkers, alive, until } from './helpers.js';

const apps = (name: string) => [
  { name: 'gate', path: 'gate', hostnames: ['gate.test'] },
  { name: 'plain', path: 'plain', hostnames: ['plain.test'], env: { NAME: name } },
];

/** Sends `n` requests, each on a new connection (node:cluster spreads them over the workers). */
const bodies = async (port: number, n: number): Promise<string[]> => Promise.all(Array.from({ length: n }, async () => (await fetchRaw(port, '/', { host: 'plain.test' })).text));

t.test('a config change is validated once in the supervisor: a bad one reaches no worker, a good one every worker', async (t) => {
  const s = await serveWorkers(2, { watch: { debounceMs: 50 }, apps: apps('v1') }, []);
  t.teardown(() => s.stop().then(() => undefined));
  t.equal(s.logs.find((l) => l.event === 'listening')?.watching, true, 'the supervisor watches');
  t.same([...new Set(await bodies(s.port, 8))], ['plain v1']);

  writeAtomic(s.config, JSON.stringify({ apps: apps('v2'), unknownField: true }));
  const refused = await s.waitForLog((l) => l.event === 'reload_failed');
  t.equal(refused.worker, undefined, 'refused by the supervisor');
  t.match(String(refused.msg), /refused before any worker saw it/);
  t.match(JSON.stringify(refused.problems), /unknownField/, 'naming the problem');
  await new Promise((r) => setTimeout(r, 300));
  t.notOk(s.logs.some((l) => l.worker !== undefined && (l.event === 'reloaded' || l.event === 'reload_failed')), 'no worker reloaded or even tried');
  t.same([...new Set(await bodies(s.port, 8))], ['plain v1'], 'the running config keeps serving');

  writeAtomic(s.config, JSON.stringify({ watch: { debounceMs: 50 }, apps: apps('v2') }));
  await until('both workers reloaded', () => new Set(s.logs.filter((l) => l.event === 'reloaded').map((l) => l.worker)).size === 2);
  t.same([...new Set(await bodies(s.port, 8))], ['plain v2'], 'every worker serves the new config');
});

t.test('admin API with workers: /metrics sums the workers and names the one that died; restart and reload', async (t) => {
  const s = await serveWorkers(2, { admin: { port: 0, token: ADMIN_TOKEN } });
  t.teardown(() => s.stop().then(() => undefined));
  const admin = adminClient(s);
  t.equal((await admin.call('GET', '/metrics', undefined, null)).status, 401, 'the bearer token is required');
  const metric = async (re: RegExp): Promise<number> => {
    const m = re.exec((await admin.call('GET', '/metrics')).text);
    return m === null ? 0 : Number(m[1]);
  };
  await bodies(s.port, 10);
  t.equal(await metric(/^nano_requests_total\{app="plain",status="200"\} (\S+)$/m), 10, 'requests counted over both workers');
  t.equal(await metric(/^nano_workers_up (\S+)$/m), 2);

  const workers = (await admin.call('GET', '/admin/workers')).json as { workers: { worker: number; pid: number; state: string }[] };
  t.same(workers.workers.map((w) => [w.worker, w.state]).sort(), [[1, 'ready'], [2, 'ready']]);
  const victim = workers.workers.find((w) => w.worker === 2)?.pid as number;
  process.kill(victim, 'SIGKILL');
  await s.waitForLog((l) => l.event === 'worker_replaced', 60_000);
  t.equal(await metric(/^nano_worker_deaths_total\{worker="2",reason="SIGKILL"\} (\S+)$/m), 1, 'the death, by worker and reason');
  t.ok((await metric(/^nano_worker_last_death_timestamp_seconds\{worker="2"\} (\S+)$/m)) > Date.now() / 1000 - 60, 'and when');
  const deaths = ((await admin.call('GET', '/admin/workers')).json as { deaths: { worker: number; signal: string; pid: number }[] }).deaths;
  t.same(deaths.map((d) => [d.worker, d.signal, d.pid]), [[2, 'SIGKILL', victim]]);

  const before = (await admin.call('GET', '/admin/workers')).json.workers.map((w: { pid: number }) => w.pid) as number[];
  const restart = await admin.call('POST', '/admin/restart');
  t.equal(restart.status, 200);
  const after = (restart.json.workers as { pid: number; state: string }[]).filter((w) => w.state === 'ready').map((w) => w.pid);
  t.equal(after.length, 2, 'two workers after the restart');
  for (const pid of before) {
    t.notOk(after.includes(pid), `worker ${pid} was replaced`);
    await until(`old worker ${pid} to exit`, () => !alive(pid));
  }

  writeAtomic(s.config, '{ not json');
  const bad = await admin.call('POST', '/admin/reload');
  t.equal(bad.status, 422, 'a bad config is refused by the supervisor');
  t.equal(bad.json.error.code, 'NANO_ERR_CONFIG_INVALID');
  t.same([...new Set(await bodies(s.port, 4))], ['plain '], 'and the running config keeps serving');

  const list = (await admin.call('GET', '/admin/apps')).json as { apps: { name: string; inflight: number; workers: { worker: number }[] }[] };
  t.same(list.apps.map((a) => a.name), ['gate', 'plain'], 'one list of the apps');
  t.same(list.apps.map((a) => a.workers.map((w) => w.worker)), [[1, 2], [1, 2]], 'with each worker\'s figures');
  const held = fetchRaw(s.port, '/hold?id=x', { host: 'gate.test' });
  await until('the held request counted', async () => ((await admin.call('GET', '/admin/apps/gate')).json as { inflight: number }).inflight === 1);
  const gate = (await admin.call('GET', '/admin/apps/gate')).json as { inflight: number; path: string; workers: { inflight: number }[] };
  t.same(gate.workers.map((w) => w.inflight).sort(), [0, 1], 'in flight in one worker, summed over both');
  t.match(gate.path, /gate$/, 'the app in detail');
  // The release must reach the worker holding the request: new connections go to each in turn.
  let released = false;
  void held.then(() => (released = true));
  await until('the held request released', async () => {
    await fetchRaw(s.port, '/release-all', { host: 'gate.test' });
    return released;
  });
  t.equal((await admin.call('GET', '/admin/apps/nope')).status, 404);
  t.equal((await admin.call('PATCH', '/admin/apps/gate', { name: 'gate', path: 'gate' })).status, 405, 'an unknown method on an app');
});
