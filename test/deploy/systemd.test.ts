// deploy/systemd/nano.service: passes `systemd-analyze verify` where systemd is installed, gives
// the drain time to finish before SIGKILL, and starts node on bin/nano.js with no wrapper.
import t from 'tap';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/serve.js';
import { configSchema } from '../../src/config/schema.js';

const unit = readFileSync(join(ROOT, 'deploy/systemd/nano.service'), 'utf8');
/** The values of `key=` lines in the [Service] section. */
const service = (key: string): string[] => {
  const section = unit.slice(unit.indexOf('[Service]'), unit.indexOf('[Install]'));
  return [...section.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => (m[1] as string).trim());
};
const analyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

t.test('systemd-analyze verify finds nothing to say', { skip: analyze ? false : 'systemd-analyze not installed' }, async (t) => {
  // verify checks that ExecStart's program exists: point it at this machine's node.
  const dir = mkdtempSync(join(tmpdir(), 'nano-systemd-'));
  const file = join(dir, 'nano.service');
  writeFileSync(file, unit.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr.trim(), '', 'no warning either (a misspelt setting is only a warning)');
});

t.test('TimeoutStopSec outlasts the drain; SIGTERM goes to node running bin/nano.js', async (t) => {
  const [timeout] = service('TimeoutStopSec');
  const seconds = Number(/^(\d+)s?$/.exec(timeout ?? '')?.[1]);
  const drainMs = configSchema.parse({ apps: [{ name: 'a', path: '.' }] }).server.drainTimeoutMs;
  t.ok(seconds * 1000 > drainMs + 5000, `TimeoutStopSec=${timeout} > server.drainTimeoutMs ${drainMs} ms + 5 s`);
  t.same(service('KillSignal'), ['SIGTERM']);
  const [exec] = service('ExecStart');
  t.match(exec, /^\/usr\/bin\/node \/opt\/nano\/bin\/nano\.js serve --config \S+/, 'node runs bin/nano.js directly');
  t.notMatch(exec, /npx|npm/);
  t.same(service('ExecReload'), ['/bin/kill -HUP $MAINPID'], 'reload is SIGHUP');
  t.equal(service('User')[0], 'nano', 'not root');
  t.notOk(service('MemoryDenyWriteExecute').includes('yes'), 'V8 needs writable and executable memory for its JIT');
});
