// examples/vhosts (the complete example config) served by a real `nano serve`: exact host names,
// a wildcard, the default app, and an app's own limits.
import t from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw, ROOT } from '../helpers/serve.js';

t.test('several apps by host name', async (t) => {
  const s = await serve(['--config', join(ROOT, 'examples/vhosts/nano.json'), '--no-watch']);
  t.teardown(() => s.stop());
  t.equal((await fetchRaw(s.port, '/', { host: 'www.example.test' })).text, 'Example home page (Host: www.example.test)\n');
  t.equal((await fetchRaw(s.port, '/', { host: 'example.test' })).text, 'Example home page (Host: example.test)\n');
  t.equal((await fetchRaw(s.port, '/', { host: 'unknown.test' })).text, 'Example home page (Host: unknown.test)\n', 'any other host: the default app');
  t.same(JSON.parse((await fetchRaw(s.port, '/v2/status', { host: 'api.example.test' })).text), { version: '2', path: '/v2/status' });
  const echo = await fetchRaw(s.port, '/v2/echo', { host: 'api.example.test', method: 'POST', body: '{"a":1}' });
  t.same(JSON.parse(echo.text), { version: '2', received: { a: 1 } });
  t.same(JSON.parse((await fetchRaw(s.port, '/', { host: 'acme.tenants.example.test' })).text), { tenant: 'acme' }, 'the wildcard');
  // Just over the limit: small enough that the whole upload fits in the sockets' buffers before
  // the 413 comes back, so the client is not still writing when it reads the answer.
  const big = await fetchRaw(s.port, '/v2/echo', { host: 'api.example.test', method: 'POST', body: Buffer.alloc(1024 * 1024 + 1024, 32) });
  t.equal(big.status, 413, "the api app's own maxBodyBytes (1 MiB)");
});
