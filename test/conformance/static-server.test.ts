// The runner's static server: files from the WPT root, .sub substitution, .headers, aliases and handlers.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStaticServer } from '../../conformance/static-server.js';

t.test('serves a WPT root like wptserve would for static files', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nano-wpt-root-'));
  mkdirSync(join(root, 'dir'));
  mkdirSync(join(root, 'resources', 'webidl2', 'lib'), { recursive: true });
  writeFileSync(join(root, 'dir', 'data.json'), '{"a":1}');
  writeFileSync(join(root, 'dir', 'data.json.headers'), 'X-Extra: yes\nCache-Control: no-store\n');
  writeFileSync(join(root, 'dir', 'info.sub.txt'), '{{host}}:{{ports[http][0]}} {{GET[q]}}');
  writeFileSync(join(root, 'resources', 'webidl2', 'lib', 'webidl2.js'), '// parser');
  const server = await startStaticServer(root);
  t.teardown(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${server.info.port}`;
  t.equal(server.origin, `http://localhost:${server.info.port}`);

  const json = await fetch(`${base}/dir/data.json`);
  t.equal(json.status, 200);
  t.equal(json.headers.get('content-type'), 'application/json');
  t.equal(json.headers.get('x-extra'), 'yes', '.headers files apply');
  t.same(await json.json(), { a: 1 });

  const sub = await fetch(`${base}/dir/info.sub.txt?q=hi`);
  t.equal(await sub.text(), `localhost:${server.info.port} hi`);

  t.equal(await (await fetch(`${base}/resources/WebIDLParser.js`)).text(), '// parser', 'aliases resolve');
  await t.rejects(fetch(`${base}/../../etc/passwd`), TypeError, 'never leaves the root');
  t.same(server.requests.map((r) => r.kind), ['file', 'file', 'file', 'unavailable'], 'every request is recorded with its outcome');
});

t.test('what the tree lacks is a 404 below a synced path and a reset anywhere else', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nano-wpt-root-'));
  mkdirSync(join(root, 'dom', 'abort'), { recursive: true });
  writeFileSync(join(root, 'dom', 'abort', 'handler.py'), 'def main(request, response): pass\n');
  const server = await startStaticServer(root, { paths: ['dom/abort'] });
  t.teardown(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${server.info.port}`;
  const missing = await fetch(`${base}/dom/abort/gone.txt`);
  t.equal(missing.status, 404, 'WPT has no such file either');
  await missing.arrayBuffer();
  await t.rejects(fetch(`${base}/dom/nodes/elsewhere.html`), TypeError, 'dom/nodes exists upstream but was not synced');
  await t.rejects(fetch(`${base}/media/foo.vtt`), TypeError, 'not synced at all');
  await t.rejects(fetch(`${base}/dom/abort/handler.py`), TypeError, 'a Python handler is never served as its source');
  await t.rejects(fetch(`${base}/dom/abort/unknown.py`), TypeError, 'nor answered when absent');
  t.same(server.requests, [
    { path: '/dom/abort/gone.txt', kind: 'missing' },
    { path: '/dom/nodes/elsewhere.html', kind: 'unavailable' },
    { path: '/media/foo.vtt', kind: 'unavailable' },
    { path: '/dom/abort/handler.py', kind: 'unavailable' },
    { path: '/dom/abort/unknown.py', kind: 'unavailable' },
  ]);
});

t.test('with the list of WPT folders, a path WPT lacks too is a 404', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nano-wpt-root-'));
  mkdirSync(join(root, 'dom', 'abort'), { recursive: true });
  const server = await startStaticServer(root, { paths: ['dom/abort'], upstream: ['dom', 'media'] });
  t.teardown(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${server.info.port}`;
  t.equal((await fetch(`${base}/ada`)).status, 404, 'no WPT folder "ada": wptserve answers 404 too');
  await t.rejects(fetch(`${base}/media/foo.vtt`), TypeError, 'media/ is in WPT, not here');
  await t.rejects(fetch(`${base}/dom/nodes/x.html`), TypeError, 'dom/nodes is in WPT, not here');
});

t.test('handlers answer the way the fetch tests expect', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nano-wpt-root-'));
  const server = await startStaticServer(root);
  t.teardown(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${server.info.port}/fetch/api/resources`;

  const inspect = await fetch(`${base}/inspect-headers.py?headers=x-a|x-missing`, { headers: { 'x-a': 'one' } });
  t.equal(inspect.headers.get('x-request-x-a'), 'one');
  t.equal(inspect.headers.get('x-request-x-missing'), null);

  const echo = await fetch(`${base}/echo-content.py`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/x-test' } });
  t.equal(await echo.text(), 'hello');
  t.equal(echo.headers.get('x-request-content-type'), 'text/x-test');

  const status = await fetch(`${base}/status.py?code=201&text=Made&content=body&type=text/x-y`);
  t.equal(status.status, 201);
  t.equal(status.statusText, 'Made');
  t.equal(await status.text(), 'body');

  await fetch(`${base}/stash-put.py?key=k1&value=v1`);
  t.equal(await (await fetch(`${base}/stash-take.py?key=k1`)).json(), 'v1');
  t.equal(await (await fetch(`${base}/stash-take.py?key=k1`)).json(), null, 'a stash value is taken once');

  const redirect = await fetch(`${base}/redirect.py?location=top.txt&redirect_status=307`, { redirect: 'manual' });
  t.equal(redirect.status, 307);
  t.match(redirect.headers.get('location') ?? '', /^top\.txt\?location=top\.txt&redirect_status=307&count=1$/);

  const trickle = await fetch(`${base}/trickle.py?ms=1&count=3`);
  t.equal(await trickle.text(), 'TEST_TRICKLE\n'.repeat(3));
});
