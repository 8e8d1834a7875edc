// The admin token: where it comes from (config `admin.token`, else the environment variable
// named by `admin.tokenFromEnv`), and a constant-time check of a request's bearer token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { NanoError } from '../errors/registry.js';
import { takeCredential } from '../env/host-credentials.js';

/**
 * The admin token, or null when none is configured (the admin API is then off). From the
 * environment it is taken once and removed from process.env (`hostEnv` replaces that in tests).
 */
export function resolveAdminToken(config: Config, hostEnv?: NodeJS.ProcessEnv): string | null {
  const fromEnv = hostEnv !== undefined ? hostEnv[config.admin.tokenFromEnv] : takeCredential(config.admin.tokenFromEnv);
  if (config.admin.token !== undefined) return config.admin.token;
  if (fromEnv === undefined || fromEnv === '') return null;
  if (fromEnv.length < 16) {
    throw new NanoError('NANO_ERR_CONFIG_INVALID', `admin.tokenFromEnv: the token in ${config.admin.tokenFromEnv} is shorter than 16 characters; use a long random one (e.g. \`openssl rand -hex 32\`)`);
  }
  return fromEnv;
}

/**
 * True when the Authorization header carries `Bearer <token>`. Both sides are hashed first, so
 * the comparison takes the same time whatever the length or content of the guess.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  const given = m?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && m !== null;
}
