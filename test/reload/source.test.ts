// How a config is composed from the file, command-line overrides and admin overlays.
import t from 'tap';
import { join } from 'node:path';
import { ConfigSource, applyOverlays, type Overlay } from '../../src/reload/source.js';
import { ConfigError } from '../../src/config/load.js';
import { tempTree } from '../helpers/serve.js';

const app = (name: string, extra: object = {}) => ({ name, path: `./${name}`, hostnames: [`${name}.test`], ...extra });

t.test('overlays replace in place, delete, and append new apps last', async (t) => {
  const overlays = new Map<string, Overlay>([
    ['b', { op: 'put', app: app('b', { env: { X: '1' } }) }],
    ['c', { op: 'delete' }],
    ['d', { op: 'put', app: app('d') }],
  ]);
  const out = applyOverlays([app('a'), app('b'), app('c')], overlays) as { name: string; env?: unknown }[];
  t.same(out.map((a) => a.name), ['a', 'b', 'd']);
  t.same(out[1]?.env, { X: '1' });
  t.equal(applyOverlays('not an array', overlays), 'not an array', 'a broken apps field is left for the schema to report');
});

t.test('compose: command-line overrides win, paths resolve against the config file', async (t) => {
  const dir = tempTree({ 'nano.json': JSON.stringify({ server: { port: 9000 }, apps: [app('a')] }) });
  const src = new ConfigSource({ file: join(dir, 'nano.json'), overrides: { port: 0, adminPort: 0, watch: false } });
  const raw = await src.readRaw();
  const cfg = src.compose(raw, new Map());
  t.equal(cfg.server.port, 0);
  t.equal(cfg.admin.port, 0);
  t.equal(cfg.watch.enabled, false);
  t.equal(cfg.apps[0]?.path, join(dir, 'a'));
  const withAdmin = src.compose(raw, new Map([['z', { op: 'put', app: app('z') }]]));
  t.equal(withAdmin.apps[1]?.path, join(dir, 'z'), 'an admin-added app resolves like a file app');
  t.ok(Object.isFrozen(withAdmin.apps[1]), 'frozen like any config');
});

t.test('read errors name the file and say what to do', async (t) => {
  const dir = tempTree({ 'bad.json': '{ nope', 'arr.json': '[1]' });
  await t.rejects(new ConfigSource({ file: join(dir, 'missing.json') }).readRaw(), { code: 'NANO_ERR_CONFIG_READ', message: /missing\.json: \(root\): file not found/ });
  await t.rejects(new ConfigSource({ file: join(dir, 'bad.json') }).readRaw(), { code: 'NANO_ERR_CONFIG_READ', message: /not valid JSON/ });
  await t.rejects(new ConfigSource({ file: join(dir, 'arr.json') }).readRaw(), ConfigError);
});

t.test('--app mode: one default app named "app"', async (t) => {
  const src = new ConfigSource({ appPath: '/srv/app', overrides: { port: 1234 } });
  const cfg = src.compose(await src.readRaw(), new Map());
  t.equal(src.file, null);
  t.equal(cfg.apps[0]?.name, 'app');
  t.equal(cfg.apps[0]?.default, true);
  t.equal(cfg.server.port, 1234);
});
