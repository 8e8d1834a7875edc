// `nano init DIR` scaffolds a TypeScript project that `nano serve --app DIR` runs at once; init
// never overwrites an existing project.
import t from 'tap';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { serve, fetchRaw, tempTree, BIN } from '../helpers/serve.js';
import { freshCache } from '../helpers/projects.js';

function nano(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--no-node-snapshot', BIN, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? -1), stdout, stderr }));
  });
}

t.test('init, then serve: the scaffolded project answers at once', async (t) => {
  const dir = join(tempTree({}), 'Hello World');
  const init = await nano(['init', dir]);
  t.equal(init.code, 0, init.stderr);
  t.match(init.stdout, /created wrangler\.jsonc, src\/index\.ts, tsconfig\.json, package\.json, \.gitignore, README\.md/);
  t.match(readFileSync(join(dir, 'README.md'), 'utf8'), /curl http:\/\/127\.0\.0\.1:8787\//, 'the README has a test request');

  const cache = freshCache();
  const check = await nano(['check', '--app', dir], cache);
  t.equal(check.code, 0, check.stderr);
  t.match(check.stdout, /: ok \(1 app\)/, 'nano check --app builds it');
  t.equal(check.stderr, '', 'no warning for a fresh project');

  const s = await serve(['--app', dir, '--no-watch'], cache);
  t.teardown(() => s.stop().then(() => undefined));
  t.same(s.logs.find((l) => l.event === 'listening')?.apps, ['hello-world'], 'named after the directory');
  t.notOk(s.logs.some((l) => l.event === 'project_fields_ignored'), 'no field warning for a fresh project');
  const home = await fetchRaw(s.port, '/');
  t.equal(home.status, 200);
  t.equal(home.text, 'Hello from hello-world!\n');
  t.same(JSON.parse((await fetchRaw(s.port, '/api')).text), { path: '/api', method: 'GET' });
});

t.test('init refuses a directory that already has a project', async (t) => {
  const dir = tempTree({ 'wrangler.jsonc': '{}', 'src/other.ts': '' });
  const r = await nano(['init', dir]);
  t.equal(r.code, 1);
  t.match(r.stderr, /already has wrangler\.jsonc, src; choose an empty or new directory/);
  t.equal(readFileSync(join(dir, 'wrangler.jsonc'), 'utf8'), '{}', 'nothing was overwritten');
});
