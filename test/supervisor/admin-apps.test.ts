// Admin app changes with `nano serve --workers 2` (a real child): a bad change is refused by the
// supervisor with the single process's error before any worker sees it; a good one reaches every
// worker (requests on new connections, which node:cluster spreads over both, all find the app),
// and a worker started later (after a SIGKILL) serves the same apps.
import t from 'tap';
import { fetchRaw } from '../helpers/serve.js';
import { adminClient, ADMIN_TOKEN, until, type AdminClient } from '../helpers/lifecycle.js';
import { serveWorkers, type Cluster } from './helpers.js';

const extra = { name: 'extra', path: 'plain', hostnames: ['extra.test'], env: { NAME: 'extra' } };

/** Statuses and bodies of `n` requests to `host`, each on a new connection. */
const replies = async (port: number, host: string, n = 16): Promise<string[]> =>
  Promise.all(Array.from({ length: n }, async () => {
    const r = await fetchRaw(port, '/', { host });
    return `${r.status} ${r.status === 200 ? r.text : ''}`.trim();
  }));

/** Each worker's status of the app in the merged admin view (both 'running': both served it). */
const perWorker = async (admin: AdminClient, app: string): Promise<string[]> => {
  const r = await admin.call('GET', `/admin/apps/${app}`);
  return r.status !== 200 ? [] : (r.json.workers as { worker: number; status: string }[]).sort((a, b) => a.worker - b.worker).map((w) => `${w.worker}:${w.status}`);
};

const killAndWait = async (s: Cluster, worker: number): Promise<void> => {
  const replaced = s.logs.filter((l) => l.event === 'worker_replaced').length;
  process.kill(s.pids().get(worker) as number, 'SIGKILL');
  await until(`worker ${worker} replaced`, () => s.logs.filter((l) => l.event === 'worker_replaced').length > replaced, 60_000);
};

t.test('admin app changes with 2 workers: validated once, applied to every worker and to workers started later', async (t) => {
  const [s, single] = await Promise.all([serveWorkers(2, { admin: { port: 0, token: ADMIN_TOKEN } }), serveWorkers(1, { admin: { port: 0, token: ADMIN_TOKEN } })]);
  t.teardown(() => Promise.all([s.stop(), single.stop()]).then(() => undefined));
  const admin = adminClient(s);
  const one = adminClient(single);

  // Refused in the supervisor exactly as a single process refuses them.
  const bad: [string, string, unknown][] = [
    ['POST', '/admin/apps', { ...extra, name: 'plain' }],
    ['POST', '/admin/apps', { ...extra, hostnames: ['plain.test'] }],
    ['POST', '/admin/apps', { ...extra, path: '/etc' }],
    ['POST', '/admin/apps', { ...extra, limits: { cpuMs: 'lots' } }],
    ['PUT', '/admin/apps/nope', extra],
    ['DELETE', '/admin/apps/nope', undefined],
  ];
  for (const [method, path, body] of bad) {
    const [w, p] = await Promise.all([admin.call(method, path, body), one.call(method, path, body)]);
    t.ok(w.status >= 400, `${method} ${path} ${JSON.stringify(body)} refused: ${w.status} ${w.json?.error?.code}`);
    // Messages name the config file and app paths, which differ between the two workspaces.
    const text = (r: { status: number; text: string }, dir: string): string => `${r.status} ${r.text.replaceAll(dir, '<dir>')}`;
    t.equal(text(w, s.dir), text(p, single.dir), 'with the status and body a single process answers');
  }
  t.notOk(s.logs.some((l) => l.worker !== undefined && (l.event === 'reloaded' || l.event === 'reload_failed')), 'no worker saw a refused change');

  const added = await admin.call('POST', '/admin/apps', extra);
  t.equal(added.status, 201, JSON.stringify(added.json));
  t.equal(added.json.app?.name, 'extra', 'the app as a single process shows it');
  t.equal(added.json.app?.source, 'admin');
  t.same(added.json.workers, [{ worker: 1, ok: true }, { worker: 2, ok: true }], 'applied by both workers');
  t.same([...new Set(await replies(s.port, 'extra.test'))], ['200 plain extra'], 'every request on a new connection finds it');
  t.same(await perWorker(admin, 'extra'), ['1:running', '2:running'], 'served by both workers');
  t.same((await admin.call('GET', '/admin/apps')).json.overlays, [{ app: 'extra', op: 'put' }]);

  await killAndWait(s, 2);
  t.same([...new Set(await replies(s.port, 'extra.test'))], ['200 plain extra'], 'after a SIGKILL, the replacement serves it too');
  t.same(await perWorker(admin, 'extra'), ['1:running', '2:running'], 'both workers, the new one included');

  const removed = await admin.call('DELETE', '/admin/apps/extra');
  t.equal(removed.status, 200, JSON.stringify(removed.json));
  t.equal(removed.json.removed, 'extra');
  t.same([...new Set(await replies(s.port, 'extra.test'))], ['404'], 'gone from every worker');
  await killAndWait(s, 1);
  t.same([...new Set(await replies(s.port, 'extra.test'))], ['404'], 'and a worker started after the removal does not bring it back');
  t.same([...new Set(await replies(s.port, 'plain.test'))], ['200 plain'], 'the config file\'s apps serve throughout');
});
