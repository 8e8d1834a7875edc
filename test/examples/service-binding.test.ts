// examples/service-binding served by a real `nano serve`: the gateway asks the auth app through
// `env.AUTH.fetch` (in process), which alone holds the secret.
import t from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw, ROOT } from '../helpers/serve.js';

t.test('service binding example', async (t) => {
  const s = await serve(['--config', join(ROOT, 'examples/service-binding/nano.json'), '--no-watch'], { EXAMPLE_SESSION_TOKEN: 'tok-42' });
  t.teardown(() => s.stop());
  const ok = await fetchRaw(s.port, '/', { host: 'app.example.test', headers: { authorization: 'Bearer tok-42' } });
  t.equal(ok.status, 200);
  t.equal(ok.text, 'hello, ada\n', 'the auth app vouched for the token');
  t.equal((await fetchRaw(s.port, '/', { host: 'app.example.test', headers: { authorization: 'Bearer nope' } })).status, 403);
  t.equal((await fetchRaw(s.port, '/', { host: 'app.example.test' })).status, 403);
  t.equal((await fetchRaw(s.port, '/verify', { host: 'auth.internal', method: 'GET' })).status, 404, 'the auth app answers only its POST /verify');
});
