// What the admin API may name on the host, through a real `nano serve`: app paths under
// admin.appRoots only (links resolved), secret files under admin.secretSources.files, `fromEnv`
// variables in admin.secretSources.env, and never NANO's own credentials, which leave the
// environment at start (a config-file app cannot read them either).
import t from 'tap';
import { join } from 'node:path';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { serve } from '../helpers/serve.js';
import { workspace, writeConfig, adminClient, ADMIN_TOKEN } from '../helpers/lifecycle.js';

const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

t.test('the admin API cannot name host paths or variables outside the configured scope', async (t) => {
  const dir = workspace({ plain: 'plain' });
  const outside = workspace({ other: 'plain' });
  writeFileSync(join(outside, 'secret.txt'), 'host file');
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets/ok.txt'), 'allowed file');
  symlinkSync(join(outside, 'other'), join(dir, 'escape'));
  writeConfig(dir, {
    admin: { port: 0, token: ADMIN_TOKEN, secretSources: { env: ['APP_*'], files: ['secrets'] } },
    apps: [{ name: 'plain', path: 'plain', hostnames: ['plain.test'] }],
  });
  const s = await serve(['--config', join(dir, 'nano.json'), '--no-watch'], { NANO_SECRET_KEY: MASTER_KEY, APP_TOKEN: 'app-token', HOME_SECRET: 'x' });
  t.teardown(() => s.stop().then(() => undefined));
  const admin = adminClient(s);
  const post = (name: string, extra: Record<string, unknown>) => admin.call('POST', '/admin/apps', { name, path: 'plain', hostnames: [`${name}.test`], ...extra });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['abs', { path: join(outside, 'other') }, /path: .* is outside admin\.appRoots/],
    ['link', { path: 'escape' }, /path: .* is outside admin\.appRoots/],
    ['master', { secrets: { K: { fromEnv: 'NANO_SECRET_KEY' } } }, /NANO_SECRET_KEY is one of NANO's own credentials/],
    ['token', { secrets: { K: { fromEnv: 'NANO_ADMIN_TOKEN' } } }, /NANO_ADMIN_TOKEN is one of NANO's own credentials/],
    ['envname', { secrets: { K: { fromEnv: 'HOME_SECRET' } } }, /HOME_SECRET is not in admin\.secretSources\.env/],
    ['hostfile', { secrets: { K: { fromFile: join(outside, 'secret.txt') } } }, /is outside admin\.secretSources\.files/],
    ['dotdot', { secrets: { K: { fromFile: 'secrets/../../' + outside.split('/').pop() + '/secret.txt' } } }, /is outside admin\.secretSources\.files/],
  ];
  for (const [name, extra, why] of refused) {
    const r = await post(name, extra);
    t.equal(r.status, 403, `${name}: 403`);
    t.equal(r.json.error.code, 'NANO_ERR_ADMIN_FORBIDDEN', name);
    t.match(r.json.error.message, why, name);
  }
  t.same((await admin.call('GET', '/admin/apps')).json.apps.map((a: { name: string }) => a.name), ['plain'], 'nothing was added');

  const ok = await post('fine', { secrets: { A: { fromEnv: 'APP_TOKEN' }, B: { fromFile: 'secrets/ok.txt' } } });
  t.equal(ok.status, 201, 'an app inside the scope is added');
  t.notMatch(s.stdout(), new RegExp(MASTER_KEY.replace(/[+/=]/g, '.')), 'the key never reached the log');
});

t.test('NANO\'s credentials leave the environment: a config-file app cannot read them', async (t) => {
  const dir = workspace({ plain: 'plain' });
  writeConfig(dir, { apps: [{ name: 'plain', path: 'plain', secrets: { K: { fromEnv: 'NANO_SECRET_KEY' }, T: { fromEnv: 'NANO_ADMIN_TOKEN' } } }] });
  const err = await serve(['--config', join(dir, 'nano.json'), '--no-watch'], { NANO_SECRET_KEY: MASTER_KEY, NANO_ADMIN_TOKEN: ADMIN_TOKEN }).then(
    () => '',
    (e: unknown) => String(e),
  );
  t.match(err, /secrets\.K: NANO_SECRET_KEY is one of NANO's own credentials/);
  t.match(err, /secrets\.T: NANO_ADMIN_TOKEN is one of NANO's own credentials/);
  t.notMatch(err, new RegExp(ADMIN_TOKEN), 'the token is not echoed');
});
