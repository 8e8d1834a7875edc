// examples/proxy served by a real `nano serve` in front of a real upstream: method, path, query,
// headers and body go through, the response streams back, and a destination that `fetch.allow`
// does not open stays refused.
import t from 'tap';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, ROOT } from '../helpers/serve.js';

async function listen(srv: Server): Promise<number> {
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return (srv.address() as { port: number }).port;
}

t.test('proxy example', async (t) => {
  const upstream = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' }).end(JSON.stringify({ method: req.method, url: req.url, host: req.headers['x-forwarded-host'], body })));
  });
  const port = await listen(upstream);
  // A second local server that the config does not open.
  const other = createServer((_req, res) => res.end('should not be reached'));
  const otherPort = await listen(other);
  t.teardown(() => {
    upstream.close();
    other.close();
  });

  // The example's config, pointed at this test's upstream port instead of 9000.
  const cfg = JSON.parse(readFileSync(join(ROOT, 'examples/proxy/nano.json'), 'utf8')) as { apps: { path: string; env: { UPSTREAM: string }; fetch: { allow: string[] } }[] };
  const app = cfg.apps[0] as (typeof cfg.apps)[0];
  t.same([app.env.UPSTREAM, app.fetch.allow], ['http://127.0.0.1:9000', ['127.0.0.1:9000']], 'the example opens exactly its upstream');
  app.path = join(ROOT, 'examples/proxy', app.path);
  app.env.UPSTREAM = `http://127.0.0.1:${port}`;
  app.fetch.allow = [`127.0.0.1:${port}`];
  const dir = tempTree({ 'nano.json': JSON.stringify(cfg) });
  const s = await serve(['--config', join(dir, 'nano.json'), '--no-watch']);
  t.teardown(() => s.stop());

  const r = await fetchRaw(s.port, '/api/items?x=1', { host: 'shop.test', method: 'POST', body: 'hello upstream' });
  t.equal(r.status, 201, "the upstream's status");
  t.equal(r.headers['x-upstream'], 'yes');
  t.same(JSON.parse(r.text), { method: 'POST', url: '/items?x=1', host: 'shop.test', body: 'hello upstream' });
  t.equal((await fetchRaw(s.port, '/elsewhere')).status, 404);

  // The same app pointed at a port fetch.allow does not name: refused before any connection.
  app.env.UPSTREAM = `http://127.0.0.1:${otherPort}`;
  writeFileSync(join(dir, 'nano.json'), JSON.stringify(cfg));
  const refused = await serve(['--config', join(dir, 'nano.json'), '--no-watch']);
  t.teardown(() => refused.stop());
  const denied = await fetchRaw(refused.port, '/api/x');
  t.equal(denied.status, 502);
  t.match(JSON.parse(denied.text), { error: 'upstream unreachable' }, 'egress is default-deny');
});
