// /metrics on the admin listener: Prometheus text with per-app requests by status, latency,
// in-flight, CPU time, isolate heap, restarts by reason and reloads; never a secret.
import t from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw, ROOT } from '../helpers/serve.js';
import { workspace, writeConfig, adminClient, ADMIN_TOKEN } from '../helpers/lifecycle.js';

const SECRET = 'metrics-secret-value-4e1b';

t.test('metrics', async (t) => {
  const dir = workspace({ plain: 'plain' });
  writeConfig(dir, {
    admin: { port: 0, token: ADMIN_TOKEN },
    apps: [
      { name: 'plain', path: 'plain', hostnames: ['plain.test'], secrets: { KEY: { fromEnv: 'METRICS_SECRET' } } },
      { name: 'loop', path: join(ROOT, 'test/fixtures/apps/loop'), hostnames: ['loop.test'], limits: { cpuMs: 100 } },
    ],
  });
  const s = await serve(['--config', join(dir, 'nano.json'), '--no-watch'], { METRICS_SECRET: SECRET });
  t.teardown(() => s.stop().then(() => undefined));
  const admin = adminClient(s);
  for (let i = 0; i < 5; i++) t.equal((await fetchRaw(s.port, '/', { host: 'plain.test' })).status, 200);
  t.equal((await fetchRaw(s.port, '/loop', { host: 'loop.test' })).status, 503, 'a CPU limit hit');
  t.equal((await fetchRaw(s.port, '/', { host: 'nobody.test' })).status, 404);
  t.equal((await admin.call('POST', '/admin/reload')).status, 200);

  const r = await admin.call('GET', '/metrics');
  t.equal(r.status, 200);
  t.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const text = r.text;
  const value = (series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
  };
  t.equal(value('nano_requests_total{app="plain",status="200"}'), 5, 'requests by app and status');
  t.equal(value('nano_requests_total{app="loop",status="503"}'), 1);
  t.equal(value('nano_request_duration_seconds_count{app="plain"}'), 5, 'latency histogram');
  t.ok(value('nano_request_duration_seconds_bucket{le="+Inf",app="plain"}') === 5);
  t.equal(value('nano_requests_in_flight{app="plain"}'), 0, 'in flight');
  t.ok(value('nano_cpu_seconds_total{app="plain"}') > 0, 'CPU time');
  t.ok(value('nano_isolate_heap_bytes{app="plain"}') > 100_000, 'isolate heap');
  t.equal(value('nano_isolate_restarts_total{app="loop",reason="cpu"}'), 1, 'restarts by reason');
  t.equal(value('nano_reloads_total{result="ok",trigger="admin"}'), 1, 'reloads');
  t.equal(value('nano_apps'), 2);
  t.ok(value('nano_isolate_starts_total{app="plain"}') >= 1);
  t.match(text, /^process_cpu_user_seconds_total /m, 'process metrics too');
  t.notMatch(text, /nobody/, 'unrouted hosts make no series');
  t.notOk(text.includes(SECRET), 'no secret');
});
