// Config validation: each rule gives a message naming the file, the field path and the fix.
import t from 'tap';
import { validateConfig, ConfigError, loadConfigFile } from '../../src/config/load.js';
import { tempTree } from '../helpers/serve.js';
import { join } from 'node:path';

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw, 'nano.json');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

const app = (extra: object = {}) => ({ name: 'a', path: './a', hostnames: ['a.test'], ...extra });

t.test('a valid config gets defaults and is frozen', async (t) => {
  const cfg = validateConfig({ apps: [app()] }, '/tmp/x/nano.json');
  t.equal(cfg.server.port, 8787);
  t.equal(cfg.defaults.memoryMb, 128);
  t.equal(cfg.defaults.cpuMs, 1000);
  t.equal(cfg.defaults.wallMs, 30000);
  t.equal(cfg.apps[0]?.path, '/tmp/x/a', 'app paths resolve against the config file');
  t.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.apps[0]));
});

t.test('each rule is reported with file, path and fix, all in one pass', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{}, /nano\.json: apps: required field is missing/],
    [{ apps: [] }, /nano\.json: apps: at least one app/],
    [{ apps: [app({ name: 'Bad Name' })] }, /apps\[0\]\.name: .*lowercase/],
    [{ apps: [app({ path: 5 })] }, /apps\[0\]\.path: expected string/],
    [{ apps: [app({ hostnames: ['http://x.test'] })] }, /apps\[0\]\.hostnames\[0\]: .*hostname like/],
    [{ apps: [app({ colour: 'red' })] }, /apps\[0\]: unknown field "colour"; remove it/],
    [{ apps: [app(), app({ hostnames: ['b.test'] })] }, /apps\[1\]\.name: duplicate app name "a"/],
    [{ apps: [app(), app({ name: 'b', hostnames: ['A.test'] })] }, /apps\[1\]\.hostnames\[0\]: hostname "a\.test" is already routed/],
    [{ apps: [app({ default: true }), app({ name: 'b', default: true })] }, /apps: 2 apps set "default": true/],
    [{ apps: [app(), app({ name: 'b', hostnames: [] })] }, /apps\[1\]\.hostnames: .*no request can reach it/],
    [{ apps: [app({ limits: { memoryMb: 1 } })] }, /apps\[0\]\.limits\.memoryMb: /],
    [{ apps: [app({ limits: { cpuMs: 'x' } })] }, /apps\[0\]\.limits\.cpuMs: expected number/],
    [{ server: { port: 70000 }, apps: [app()] }, /server\.port: /],
    [{ apps: [app({ env: { 'bad-name': 'x' } })] }, /apps\[0\]\.env\.bad-name: .*binding name/],
    [{ apps: [app({ secrets: { K: { fromWhere: 'x' } } })] }, /apps\[0\]\.secrets\.K: expected one of/],
    [{ admin: { token: 'short' }, apps: [app()] }, /admin\.token: at least 16 characters/],
  ];
  for (const [raw, re] of cases) {
    const p = problems(raw);
    t.ok(p.some((m) => re.test(m)), `${re} in ${JSON.stringify(p)}`);
  }
  const many = problems({ server: { port: -1 }, apps: [app({ name: 'X' }), app({ name: 'X', hostnames: ['bad host'] })] });
  t.ok(many.length >= 3, 'every problem in one pass');
});

t.test('file errors name the file', async (t) => {
  const dir = tempTree({ 'bad.json': '{ "apps": [ ', 'ok.json': JSON.stringify({ apps: [app()] }) });
  await t.rejects(loadConfigFile(join(dir, 'bad.json')), /bad\.json: \(root\): not valid JSON/);
  await t.rejects(loadConfigFile(join(dir, 'missing.json')), /missing\.json: \(root\): file not found/);
  const cfg = await loadConfigFile(join(dir, 'ok.json'));
  t.equal(cfg.apps[0]?.path, join(dir, 'a'));
});
