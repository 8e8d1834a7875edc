// Secret resolution and encryption (unit), and the `nano secret keygen/encrypt` commands.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { resolveEnv } from '../../src/env/resolve.js';
import { encryptSecret, decryptSecret, parseKey } from '../../src/env/secret-crypto.js';
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
  const app = appWith({ E: { fromEnv: 'FROM_ENV' }, F: { fromFile: 's.txt' }, C: { encrypted: encryptSecret('from-cipher', key) } }, dir);
  t.same(JSON.parse(await resolveEnv(app, hostEnv)), { PLAIN: 'p', JSONV: { n: [1, 2] }, E: 'value-from-env', F: 'from-file', C: 'from-cipher' }, 'fromFile is relative to the config file; one trailing newline dropped');
});

t.test('resolveEnv: every problem at once, code NANO_ERR_SECRET_UNAVAILABLE, no value in the message', async (t) => {
  const parts = encryptSecret('the-plaintext', key).split(':');
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
  t.match(lines[2], /^app "a": secrets\.C: cannot decrypt: wrong NANO_SECRET_KEY or the value was altered/);
  t.notMatch(e.message, /the-plaintext/);
  await t.rejects(resolveEnv(appWith({ C: { encrypted: encryptSecret('x', key) } }), {}), { code: 'NANO_ERR_SECRET_UNAVAILABLE', message: /NANO_SECRET_KEY is not set/ });
});

t.test('a binding is either env or a secret', async (t) => {
  t.throws(() => validateConfig({ apps: [{ name: 'a', path: '.', env: { K: 'x' }, secrets: { K: { fromEnv: 'K' } } }] }, 'nano.json'), /apps\[0\]\.secrets\.K: "K" is also in env/);
});

t.test('AES-256-GCM: round trip, random IV, hex or base64 keys, tampering detected', async (t) => {
  const a = encryptSecret('hello ✓', key);
  const b = encryptSecret('hello ✓', key);
  t.match(a, /^nano:v1:[^:]+:[^:]+:[^:]+$/);
  t.not(a, b, 'a fresh IV each time');
  t.equal(decryptSecret(a, { NANO_SECRET_KEY: key.toString('hex') }, 'x'), 'hello ✓');
  t.equal(decryptSecret(b, { NANO_SECRET_KEY: key.toString('base64') }, 'x'), 'hello ✓');
  const parts = a.split(':');
  parts[4] = Buffer.from('tampered').toString('base64');
  t.throws(() => decryptSecret(parts.join(':'), hostEnv, 'where'), { code: 'NANO_ERR_SECRET_UNAVAILABLE', message: /^where: cannot decrypt/ });
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
  const arg = nano(['secret', 'encrypt', 'pa55word'], { NANO_SECRET_KEY: k });
  t.equal(arg.status, 0);
  t.equal(decryptSecret(arg.stdout.trim(), { NANO_SECRET_KEY: k }, 'x'), 'pa55word');
  const stdin = nano(['secret', 'encrypt'], { NANO_SECRET_KEY: k }, 'from stdin\n');
  t.equal(stdin.status, 0);
  t.equal(decryptSecret(stdin.stdout.trim(), { NANO_SECRET_KEY: k }, 'x'), 'from stdin');
  const noKey = nano(['secret', 'encrypt', 'x'], {});
  t.equal(noKey.status, 1);
  t.match(noKey.stderr, /NANO_ERR_SECRET_UNAVAILABLE: nano secret encrypt: .*NANO_SECRET_KEY is not set/);
  const badKey = nano(['secret', 'encrypt', 'x'], { NANO_SECRET_KEY: 'short' });
  t.equal(badKey.status, 1);
  t.match(badKey.stderr, /must be 32 bytes/);
});
