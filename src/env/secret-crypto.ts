// Secrets encrypted at rest: AES-256-GCM with a key from the host environment (NANO_SECRET_KEY,
// 32 bytes as base64 or hex). Format: nano:v1:<iv b64>:<tag b64>:<ciphertext b64>.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { NanoError } from '../errors/registry.js';

export const SECRET_KEY_VAR = 'NANO_SECRET_KEY';

export function parseKey(raw: string | undefined, where: string): Buffer {
  if (raw === undefined || raw === '') {
    throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${where}: the config holds an encrypted secret but ${SECRET_KEY_VAR} is not set; export the key used with \`nano secret encrypt\``);
  }
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${where}: ${SECRET_KEY_VAR} must be 32 bytes (64 hex digits or base64); generate one with \`nano secret keygen\``);
  return key;
}

export function encryptSecret(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `nano:v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
}

export function decryptSecret(value: string, hostEnv: NodeJS.ProcessEnv, where: string): string {
  const key = parseKey(hostEnv[SECRET_KEY_VAR], where);
  const parts = value.split(':');
  if (parts.length !== 5 || parts[0] !== 'nano' || parts[1] !== 'v1') {
    throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${where}: not a value made by \`nano secret encrypt\``);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2] as string, 'base64'));
    decipher.setAuthTag(Buffer.from(parts[3] as string, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(parts[4] as string, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${where}: cannot decrypt: wrong ${SECRET_KEY_VAR} or the value was altered`);
  }
}
