// Secrets encrypted at rest: AES-256-GCM with a key from the host environment (NANO_SECRET_KEY,
// 32 bytes as 64 hex digits or canonical base64) and a 16-byte authentication tag.
// Format v2: nano:v2:<iv b64>:<tag b64>:<ciphertext b64>, bound to its app and binding name by
// additional authenticated data, so a value copied to another app or binding does not decrypt.
// Format v1 (no binding) is still read.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { NanoError } from '../errors/registry.js';

export const SECRET_KEY_VAR = 'NANO_SECRET_KEY';
const TAG_BYTES = 16;
const IV_BYTES = 12;

/** Where an encrypted value may be used: the app and the binding name (v2's AAD). */
export interface SecretBinding {
  readonly app: string;
  readonly name: string;
}

/**
 * The key from `raw`: exactly 64 hex digits or the canonical base64 of 32 bytes. Anything else is
 * refused without repeating any of it (a key, even a wrong one, is never echoed).
 */
export function parseKey(raw: string | undefined, where: string): Buffer {
  if (raw === undefined || raw === '') {
    throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${where}: the config holds an encrypted secret but ${SECRET_KEY_VAR} is not set; export the key used with \`nano secret encrypt\``);
  }
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(raw)) key = Buffer.from(raw, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(raw)) {
    const b = Buffer.from(raw, 'base64');
    if (b.length === 32 && b.toString('base64') === raw) key = b;
  }
  if (key === null) throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${where}: ${SECRET_KEY_VAR} must be 32 bytes (64 hex digits or base64); generate one with \`nano secret keygen\``);
  return key;
}

function aad(b: SecretBinding): Buffer {
  return Buffer.from(`nano-secret:v2\0${b.app}\0${b.name}`, 'utf8');
}

/** Encrypts `plaintext` for binding `bind` (format v2). */
export function encryptSecret(plaintext: string, key: Buffer, bind: SecretBinding): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(bind));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `nano:v2:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
}

/**
 * Decrypts a v2 value for `bind` (or a v1 value, which is bound to nothing). A wrong key, a value
 * of another app or binding, a shortened tag or any altered byte all fail the same way.
 */
export function decryptSecret(value: string, hostEnv: NodeJS.ProcessEnv, where: string, bind?: SecretBinding): string {
  const key = parseKey(hostEnv[SECRET_KEY_VAR], where);
  const parts = value.split(':');
  const version = parts[1];
  if (parts.length !== 5 || parts[0] !== 'nano' || (version !== 'v1' && version !== 'v2')) {
    throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${where}: not a value made by \`nano secret encrypt\``);
  }
  const failed = new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${where}: cannot decrypt: wrong ${SECRET_KEY_VAR}, a value encrypted for another app or binding, or the value was altered`);
  const iv = Buffer.from(parts[2] as string, 'base64');
  const tag = Buffer.from(parts[3] as string, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES || (version === 'v2' && bind === undefined)) throw failed;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    if (version === 'v2') decipher.setAAD(aad(bind as SecretBinding));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(parts[4] as string, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw failed;
  }
}

/** v1, for reading old configs and testing that they still decrypt (no binding, 16-byte tag). */
export function encryptSecretV1(plaintext: string, key: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `nano:v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
}
