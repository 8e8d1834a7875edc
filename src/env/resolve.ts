// Builds an app's env: plain bindings from the config plus secrets resolved from the host
// environment, files or encrypted values. The result is JSON for the isolate; secret values are
// never logged, and no error message built here contains one (only app, binding and source names).
import { readFile } from 'node:fs/promises';
import type { AppConfig } from '../config/schema.js';
import { NanoError } from '../errors/registry.js';
import { decryptSecret, SECRET_KEY_VAR } from './secret-crypto.js';
import { takeCredential, isCredential } from './host-credentials.js';

/**
 * Resolves every secret of `app` and returns the env as JSON. Every unresolvable secret is
 * reported in one NANO_ERR_SECRET_UNAVAILABLE error, one line per binding.
 */
export async function resolveEnv(app: AppConfig, hostEnv: NodeJS.ProcessEnv = hostEnvironment()): Promise<string> {
  const env: Record<string, unknown> = { ...app.env };
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(app.secrets)) {
    const where = `app "${app.name}": secrets.${name}`;
    if ('fromEnv' in spec) {
      const v = hostEnv[spec.fromEnv];
      if (isCredential(spec.fromEnv)) problems.push(`${where}: ${spec.fromEnv} is one of NANO's own credentials and is never an app's secret; use another variable`);
      else if (v === undefined) problems.push(`${where}: environment variable ${spec.fromEnv} is not set; export it before starting nano`);
      else env[name] = v;
    } else if ('fromFile' in spec) {
      try {
        env[name] = (await readFile(spec.fromFile, 'utf8')).replace(/\r?\n$/, '');
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable';
        problems.push(`${where}: cannot read ${spec.fromFile} (${why}); check the path and its permissions`);
      }
    } else {
      try {
        env[name] = decryptSecret(spec.encrypted, hostEnv, where, { app: app.name, name });
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    }
  }
  if (problems.length > 0) throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', problems.join('\n'));
  return JSON.stringify(env);
}

/** process.env plus the secret key NANO took from it (see host-credentials.ts). */
function hostEnvironment(): NodeJS.ProcessEnv {
  const key = takeCredential(SECRET_KEY_VAR);
  return key === undefined ? process.env : { ...process.env, [SECRET_KEY_VAR]: key };
}

/** The binding names an app's env holds, split so views can show secrets by name only. */
export function bindingNames(app: AppConfig): { env: string[]; secrets: string[] } {
  return { env: Object.keys(app.env), secrets: Object.keys(app.secrets) };
}
