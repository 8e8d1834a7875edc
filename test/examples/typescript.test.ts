// examples/typescript, copied as a user would clone it: `npm ci` installs its npm dependency (a
// local package, so no registry is needed), and a real `nano serve --app` builds and serves it.
import t from 'tap';
import { cpSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { serve, fetchRaw, tempTree, ROOT } from '../helpers/serve.js';
import { freshCache } from '../helpers/projects.js';

t.test('TypeScript project with an npm dependency', async (t) => {
  const dir = join(tempTree({}), 'typescript');
  cpSync(join(ROOT, 'examples/typescript'), dir, { recursive: true, filter: (p) => !p.includes('node_modules') });
  const npm = spawnSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
  });
  t.equal(npm.status, 0, `npm ci: ${npm.stderr}`);
  t.ok(existsSync(join(dir, 'node_modules/@example/greet/package.json')), 'the dependency is installed');

  const s = await serve(['--app', dir, '--no-watch'], freshCache());
  t.teardown(() => s.stop());
  t.same(JSON.parse((await fetchRaw(s.port, '/?name=Ada')).text), { text: 'Hello, Ada!', length: 3 }, 'wrangler vars and the package both reached the app');
  t.same(JSON.parse((await fetchRaw(s.port, '/')).text), { text: 'Hello, world!', length: 5 });
});
