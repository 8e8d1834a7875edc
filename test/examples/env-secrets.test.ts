// examples/env-secrets served by a real `nano serve`: plain env values (JSON too) and secrets from
// the host environment and from a file reach the app, and a secret never reaches the log.
import t from 'tap';
import { join } from 'node:path';
import { serve, fetchRaw, ROOT } from '../helpers/serve.js';

t.test('env and secrets example', async (t) => {
  const token = 'example-token-7f3a9c';
  const s = await serve(['--config', join(ROOT, 'examples/env-secrets/nano.json'), '--no-watch'], { NOTES_API_TOKEN: token });
  t.teardown(() => s.stop());
  const home = JSON.parse((await fetchRaw(s.port, '/')).text) as Record<string, unknown>;
  t.same(home, { site: 'Notes', features: { search: true, maxNotes: 100 }, bindings: ['API_TOKEN', 'DB_PASSWORD', 'FEATURES', 'SITE_NAME'] });
  t.equal((await fetchRaw(s.port, '/private')).status, 401, 'no token, no entry');
  t.equal((await fetchRaw(s.port, '/private', { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const ok = await fetchRaw(s.port, '/private', { headers: { authorization: `Bearer ${token}` } });
  t.same(JSON.parse(ok.text), { ok: true, dbPasswordLength: 'correct-horse-battery-staple'.length }, 'the file secret lost its trailing newline');
  await s.stop();
  t.notMatch(s.stdout(), token, 'the secret is not in the log');
  t.notMatch(s.stdout(), 'correct-horse', 'nor the file secret');
});

t.test('a missing secret stops the start-up, naming the binding', async (t) => {
  const s = serve(['--config', join(ROOT, 'examples/env-secrets/nano.json'), '--no-watch']);
  await t.rejects(s, /NANO_ERR_SECRET_UNAVAILABLE[\s\S]*API_TOKEN/);
});
