// A config mounted the way kubelet mounts a ConfigMap (nano.json → ..data/nano.json, ..data → a
// timestamped directory, updated by swapping ..data atomically) hot-reloads in a real `nano
// serve`, and a Secret mounted the same way is read through its links.
import t from 'tap';
import { mkdirSync, writeFileSync, symlinkSync, renameSync, rmSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree } from '../helpers/serve.js';
import { until } from '../helpers/lifecycle.js';

const APP = `export default { fetch(request, env) { return new Response(env.GREETING + ' ' + env.TOKEN); } };\n`;

/** Writes `files` the way kubelet's atomic writer does: a new directory, then one rename of ..data. */
function atomicWrite(dir: string, version: string, files: Record<string, string>): void {
  const ts = join(dir, `..${version}`);
  mkdirSync(ts);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(ts, name), text);
  let old: string | null = null;
  try {
    old = readlinkSync(join(dir, '..data'));
  } catch {
    // the first version
  }
  symlinkSync(`..${version}`, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of Object.keys(files)) {
    try {
      symlinkSync(`..data/${name}`, join(dir, name));
    } catch {
      // the link exists from the first version
    }
  }
  if (old !== null) rmSync(join(dir, old), { recursive: true });
}

t.test('a ConfigMap-style mount: each swap of ..data reloads, fromFile secrets read through links', async (t) => {
  const root = tempTree({ 'app/index.js': APP });
  const etc = join(root, 'etc-nano');
  const secrets = join(root, 'etc-nano-secrets');
  mkdirSync(etc);
  mkdirSync(secrets);
  atomicWrite(secrets, 'v1', { token: 'tok-1\n' });
  const config = (greeting: string): string =>
    JSON.stringify({
      apps: [{ name: 'app', path: join(root, 'app'), default: true, env: { GREETING: greeting }, secrets: { TOKEN: { fromFile: join(secrets, 'token') } } }],
    });
  atomicWrite(etc, 'v1', { 'nano.json': config('one') });
  const s = await serve(['--config', join(etc, 'nano.json')]);
  t.teardown(() => s.stop('SIGKILL'));
  t.equal((await fetchRaw(s.port, '/')).text, 'one tok-1', 'served from the linked config and secret');

  // Each swap must be applied on its own: the answer changes to the new version's, and no failed reload is logged.
  const answers = (want: string) => until(`the answer "${want}"`, async () => (await fetchRaw(s.port, '/')).text === want, 10_000);
  for (const [version, greeting] of [['v2', 'two'], ['v3', 'three']] as const) {
    atomicWrite(etc, version, { 'nano.json': config(greeting) });
    await answers(`${greeting} tok-1`);
    t.pass(`the ${version} swap was seen and applied`);
  }

  // A Secret's new value is read at the next reload of the config (here: another swap).
  atomicWrite(secrets, 'v2', { token: 'tok-2\n' });
  atomicWrite(etc, 'v4', { 'nano.json': config('four') });
  await answers('four tok-2');
  t.pass('a reload re-reads the secret files');
  t.same(s.logs.filter((l) => l.event === 'reload_failed'), [], 'no reload failed on the way');
});
