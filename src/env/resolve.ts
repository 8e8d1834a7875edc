// Builds an app's env: plain bindings from the config plus secrets resolved from the host
// environment or files. The result is JSON for the isolate; secret values are never logged.
import { readFile } from 'node:fs/promises';
import type { AppConfig } from '../config/schema.js';
import { NanoError } from '../errors/registry.js';
import { decryptSecret } from './secret-crypto.js';

export async function resolveEnv(app: AppConfig, hostEnv: NodeJS.ProcessEnv = process.env): Promise<string> {
  const env: Record<string, unknown> = { ...app.env };
  for (const [name, spec] of Object.entries(app.secrets)) {
    if ('fromEnv' in spec) {
      const v = hostEnv[spec.fromEnv];
      if (v === undefined) throw new NanoError('NANO_ERR_CONFIG_INVALID', `apps "${app.name}": secrets.${name}: environment variable ${spec.fromEnv} is not set; export it before starting nano`);
      env[name] = v;
    } else if ('fromFile' in spec) {
      try {
        env[name] = (await readFile(spec.fromFile, 'utf8')).replace(/\r?\n$/, '');
      } catch {
        throw new NanoError('NANO_ERR_CONFIG_INVALID', `apps "${app.name}": secrets.${name}: cannot read ${spec.fromFile}; check the path and its permissions`);
      }
    } else {
      env[name] = decryptSecret(spec.encrypted, hostEnv, `apps "${app.name}": secrets.${name}`);
    }
  }
  return JSON.stringify(env);
}
