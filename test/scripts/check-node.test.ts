// The preinstall Node version check (scripts/check-node.cjs): one clear line and exit 1 on a Node
// older than "engines" asks for, silence on this Node; .nvmrc and "engines" name the same major.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/serve.js';

const script = join(ROOT, 'scripts/check-node.cjs');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };
const need = Number(/(\d+)/.exec(pkg.engines.node)?.[1]);

t.test('.nvmrc, engines and the preinstall hook agree', async (t) => {
  t.equal(Number(readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim()), need, '.nvmrc names the engines major');
  t.equal(pkg.scripts.preinstall, 'node scripts/check-node.cjs');
});

t.test('this Node passes silently', async (t) => {
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  t.equal(r.status, 0);
  t.equal(r.stderr, '');
});

// An older Node to run it with: the system one on these machines (CI bootstraps 24 beside it).
const older = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
  if (!existsSync(p)) return false;
  const v = spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  return Number(v.split('.')[0]) < need;
});
t.test('an older Node stops with one line naming the Node needed and how to get it', { skip: older === undefined ? `no Node older than ${need} on this machine` : false }, async (t) => {
  const r = spawnSync(older as string, [script], { encoding: 'utf8' });
  t.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, 'one line');
  t.match(lines[0], new RegExp(`^NANO needs Node\\.js ${need} or newer, and this is Node\\.js \\d+\\.\\d+\\.\\d+: run \`nvm install\``));
});
