// Secret resolution and encryption (unit), and the `nano secret keygen/encrypt` commands.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { resolveEnv } from '../../src/env/resolve.js';
import { encryptSecret, encryptSecretV1, decryptSecret, parseKey } from '../../src/env/secret-crypto.js';
import { validateConfig } from '../../src/config/load.js';
import { NanoError } from '../../src/errors/registry.js';
import { BIN, cleanEnv, tempTree } from '../helpers/serve.js';

const key = randomBytes(32);
const hostEnv = { NANO_SECRET_KEY: key.toString('base64'), FROM_ENV: 'value-from-env' };

function appWith(secrets: Record<string, unknown>, dir = '/tmp') {
  return validateConfig({ apps: [{ name: 'a', path: '.', env: { PLAIN: 'p', JSONV: { n: [1, 2] } }, secrets }] }, join(dir, 'nano.json')).apps[0] as Parameters<typeof resolveEnv>[0];
}

t.test('resolveEnv: plain bindings plus every kind of secret', async (t) => {
  const dir = tempTree({ 's.txt': 'from-file\n' });
  const app = appWith({ E: { fromEnv: 'FROM_ENV' }, F: { fromFile: 's.txt' }, C: { encrypted: encryptSecret('from-cipher', key, { app: 'a', name: 'C' }) }, O: { encrypted: encryptSecretV1('old format', key) } }, dir);
  t.same(JSON.parse(await resolveEnv(app, hostEnv)), { PLAIN: 'p', JSONV: { n: [1, 2] }, E: 'value-from-env', F: 'from-file', C: 'from-cipher', O: 'old format' }, 'fromFile is relative to the config file; one trailing newline dropped');
});

t.test('resolveEnv: every problem at once, code NANO_ERR_SECRET_UNAVAILABLE, no value in the message', async (t) => {
  const parts = encryptSecret('the-plaintext', key, { app: 'a', name: 'C' }).split(':');
  const tag = Buffer.from(parts[3] ?? '', 'base64');
  tag[0] = (tag[0] ?? 0) ^ 1;
  parts[3] = tag.toString('base64');
  const tampered = parts.join(':');
  const app = appWith({ E: { fromEnv: 'MISSING_VAR' }, F: { fromFile: '/nonexistent/file' }, C: { encrypted: tampered } });
  const err = await resolveEnv(app, hostEnv).then(() => null, (e: unknown) => e);
  t.ok(err instanceof NanoError);
  const e = err as NanoError;
  t.equal(e.code, 'NANO_ERR_SECRET_UNAVAILABLE');
  const lines = e.message.split('\n');
  t.equal(lines.length, 3);
  t.match(lines[0], /^app "a": secrets\.E: environment variable MISSING_VAR is not set; export it/);
  t.match(lines[1], /^app "a": secrets\.F: cannot read \/nonexistent\/file \(no such file\)/);
  t.match(lines[2], /^app "a": secrets\.C: cannot decrypt: wrong NANO_SECRET_KEY, a value encrypted for another app or binding, or the value was altered/);
  t.notMatch(e.message, /the-plaintext/);
  await t.rejects(resolveEnv(appWith({ C: { encrypted: encryptSecret('x', key, { app: 'a', name: 'C' }) } }), {}), { code: 'NANO_ERR_SECRET_UNAVAILABLE', message: /NANO_SECRET_KEY is not set/ });
});

t.test('a binding is either env or a secret', async (t) => {
  t.throws(() => validateConfig({ apps: [{ name: 'a', path: '.', env: { K: 'x' }, secrets: { K: { fromEnv: 'K' } } }] }, 'nano.json'), /apps\[0\]\.secrets\.K: "K" is also in env/);
});

t.test('AES-256-GCM: round trip, random IV, hex or base64 keys, tampering detected', async (t) => {
  const bind = { app: 'api', name: 'TOKEN' };
  const a = encryptSecret('hello ✓', key, bind);
  const b = encryptSecret('hello ✓', key, bind);
  t.match(a, /^nano:v2:[^:]+:[^:]+:[^:]+$/);
  t.not(a, b, 'a fresh IV each time');
  t.equal(decryptSecret(a, { NANO_SECRET_KEY: key.toString('hex') }, 'x', bind), 'hello ✓');
  t.equal(decryptSecret(b, { NANO_SECRET_KEY: key.toString('base64') }, 'x', bind), 'hello ✓');
  const parts = a.split(':');
  parts[4] = Buffer.from('tampered').toString('base64');
  t.throws(() => decryptSecret(parts.join(':'), hostEnv, 'where', bind), { code: 'NANO_ERR_SECRET_UNAVAILABLE', message: /^where: cannot decrypt/ });
  t.throws(() => decryptSecret('nano:v1:x', hostEnv, 'where'), /not a value made by `nano secret encrypt`/);
  t.throws(() => parseKey('abc', 'w'), /must be 32 bytes/);
  t.throws(() => parseKey(undefined, 'w'), /is not set/);
});

const nano = (args: string[], env: NodeJS.ProcessEnv, input?: string) =>
  spawnSync(process.execPath, ['--no-node-snapshot', BIN, ...args], { env: cleanEnv(env), encoding: 'utf8', ...(input !== undefined ? { input } : {}) });

t.test('nano secret keygen prints a fresh 32-byte key', async (t) => {
  const r1 = nano(['secret', 'keygen'], {});
  const r2 = nano(['secret', 'keygen'], {});
  t.equal(r1.status, 0);
  t.equal(Buffer.from(r1.stdout.trim(), 'base64').length, 32);
  t.not(r1.stdout, r2.stdout);
  t.doesNotThrow(() => parseKey(r1.stdout.trim(), 'keygen output'));
});

t.test('nano secret encrypt: argument or stdin; its output decrypts with the same key', async (t) => {
  const k = nano(['secret', 'keygen'], {}).stdout.trim();
  const bind = ['--app', 'api', '--name', 'PASS'];
  const arg = nano(['secret', 'encrypt', ...bind, 'pa55word'], { NANO_SECRET_KEY: k });
  t.equal(arg.status, 0);
  t.equal(decryptSecret(arg.stdout.trim(), { NANO_SECRET_KEY: k }, 'x', { app: 'api', name: 'PASS' }), 'pa55word');
  const stdin = nano(['secret', 'encrypt', ...bind], { NANO_SECRET_KEY: k }, 'from stdin\n');
  t.equal(stdin.status, 0);
  t.equal(decryptSecret(stdin.stdout.trim(), { NANO_SECRET_KEY: k }, 'x', { app: 'api', name: 'PASS' }), 'from stdin');
  t.equal(nano(['secret', 'encrypt', 'x'], { NANO_SECRET_KEY: k }).status, 1, '--app and --name are required');
  const noKey = nano(['secret', 'encrypt', ...bind, 'x'], {});
  t.equal(noKey.status, 1);
  t.match(noKey.stderr, /NANO_ERR_SECRET_UNAVAILABLE: nano secret encrypt: .*NANO_SECRET_KEY is not set/);
  const badKey = nano(['secret', 'encrypt', ...bind, 'x'], { NANO_SECRET_KEY: 'short-secret-key' });
  t.equal(badKey.status, 1);
  t.match(badKey.stderr, /must be 32 bytes/);
  t.notMatch(badKey.stderr, /short-secret-key/, 'the bad key is not echoed');
});

t.test('v2 values are bound to their app and binding; tags must be 16 bytes; keys parse strictly', async (t) => {
  const v = encryptSecret('bound', key, { app: 'api', name: 'TOKEN' });
  t.equal(decryptSecret(v, hostEnv, 'x', { app: 'api', name: 'TOKEN' }), 'bound');
  t.throws(() => decryptSecret(v, hostEnv, 'x', { app: 'other', name: 'TOKEN' }), /cannot decrypt/, 'another app cannot use it');
  t.throws(() => decryptSecret(v, hostEnv, 'x', { app: 'api', name: 'OTHER' }), /cannot decrypt/, 'nor another binding');
  t.throws(() => decryptSecret(v, hostEnv, 'x'), /cannot decrypt/, 'nor a caller that names no binding');
  // A truncated tag: GCM would otherwise accept a 4-byte tag, which is forgeable.
  const parts = v.split(':');
  parts[3] = Buffer.from(parts[3] ?? '', 'base64').subarray(0, 4).toString('base64');
  t.throws(() => decryptSecret(parts.join(':'), hostEnv, 'x', { app: 'api', name: 'TOKEN' }), /cannot decrypt/);
  const old = encryptSecretV1('old', key).split(':');
  old[3] = Buffer.from(old[3] ?? '', 'base64').subarray(0, 4).toString('base64');
  t.throws(() => decryptSecret(old.join(':'), hostEnv, 'x'), /cannot decrypt/, 'v1 with a short tag too');
  for (const bad of [`${key.toString('hex')}0`, `${key.toString('base64')}AA`, key.toString('base64').replace(/=$/, ''), `${key.toString('base64').slice(0, -2)}!=`, key.subarray(0, 31).toString('base64')]) {
    t.throws(() => parseKey(bad, 'w'), /must be 32 bytes/, JSON.stringify(bad));
  }
});

t.test('a too-short admin token in the config is not echoed in the error', async (t) => {
  const err = (() => {
    try {
      validateConfig({ admin: { token: 'tiny-secret' }, apps: [{ name: 'a', path: '.' }] }, 'nano.json');
      return '';
    } catch (e) {
      return String(e);
    }
  })();
  t.match(err, /admin\.token: .*16/);
  t.notMatch(err, /tiny-secret/);
});
