// App directories are the tenant's: a symbolic link anywhere in one is refused with an error naming
// the file (nano check, start, reload), and a running server keeps serving its last good version.
import t from 'tap';
import { execFile } from 'node:child_process';
import { symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, ROOT } from '../helpers/serve.js';

function check(config: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--no-node-snapshot', join(ROOT, 'bin/nano.js'), 'check', '--config', config], (err, _out, stderr) => resolve({ code: err === null ? 0 : Number(err.code), stderr }));
  });
}

t.test('a link to a file or directory outside the app is refused, naming it', async (t) => {
  const dir = tempTree({
    'outside/secret.js': 'export const secret = "host secret";',
    'outside/lib/util.js': 'export const x = 1;',
    'file-link/index.js': 'import { secret } from "./secret.js"; export default { fetch: () => new Response(secret) };',
    'dir-link/index.js': 'import { x } from "./lib/util.js"; export default { fetch: () => new Response(String(x)) };',
    'pkg-link/main.js': 'export default { fetch: () => new Response("main") };',
  });
  symlinkSync(join(dir, 'outside/secret.js'), join(dir, 'file-link/secret.js'));
  symlinkSync(join(dir, 'outside/lib'), join(dir, 'dir-link/lib'));
  writeFileSync(join(dir, 'outside/package.json'), '{"main": "main.js"}');
  symlinkSync(join(dir, 'outside/package.json'), join(dir, 'pkg-link/package.json'));
  for (const [app, file] of [['file-link', 'secret.js'], ['dir-link', 'lib'], ['pkg-link', 'package.json']] as const) {
    writeFileSync(join(dir, `${app}.json`), JSON.stringify({ apps: [{ name: 'a', path: join(dir, app), default: true }] }));
    const r = await check(join(dir, `${app}.json`));
    t.equal(r.code, 1, `${app}: nano check fails`);
    t.match(r.stderr, new RegExp(`app file ${file.replace('.', '\\.')} in .*${app} is a symbolic link; NANO does not follow links`), `${app}: the error names ${file}`);
  }
});

t.test('a running server refuses a reload that adds a link and keeps its last good version', async (t) => {
  const dir = tempTree({
    'outside/secret.txt': 'host secret',
    'app/index.js': 'export default { fetch: () => new Response("v1") };',
  });
  writeFileSync(join(dir, 'nano.json'), JSON.stringify({ watch: { debounceMs: 50 }, apps: [{ name: 'app', path: join(dir, 'app'), default: true }] }));
  const s = await serve(['--config', join(dir, 'nano.json')]);
  t.teardown(() => s.stop().then(() => undefined));
  t.equal((await fetchRaw(s.port, '/')).text, 'v1');
  mkdirSync(join(dir, 'app/data'));
  symlinkSync(join(dir, 'outside/secret.txt'), join(dir, 'app/data/secret.txt'));
  writeFileSync(join(dir, 'app/index.js'), 'import s from "./data/secret.txt"; export default { fetch: () => new Response(s) };');
  const failed = await s.waitForLog((l) => l.event === 'reload_failed');
  t.match(JSON.stringify(failed), /data\/secret\.txt in .* is a symbolic link/, 'the reload failure names the link');
  t.equal((await fetchRaw(s.port, '/')).text, 'v1', 'the last good version keeps serving');
  t.notMatch(s.stdout(), /host secret/, 'the linked file was never read into a log');
});
