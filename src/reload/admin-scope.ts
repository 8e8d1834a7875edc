// What an app sent to the admin API may name on the host: its code under `admin.appRoots`, its
// secret files under `admin.secretSources.files`, its `fromEnv` variables in
// `admin.secretSources.env`. Whoever holds the admin token can then run code, but not read the
// host's files or environment (the secret key, for one) through an app.
import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { AppConfig, Config } from '../config/schema.js';

/** `p` with links resolved as far as it exists (a missing path is judged as written). */
async function real(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    return resolve(p);
  }
}

async function inside(path: string, roots: readonly string[]): Promise<boolean> {
  const p = await real(path);
  for (const root of roots) {
    const r = await real(root);
    if (p === r || p.startsWith(r.endsWith(sep) ? r : r + sep)) return true;
  }
  return false;
}

function envAllowed(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/**
 * The reasons `app` (validated, paths resolved against the config file) may not come from the
 * admin API under `admin`; empty when it may. Each names the field and the setting to change.
 */
export async function adminScopeProblems(app: AppConfig, admin: Config['admin']): Promise<string[]> {
  const problems: string[] = [];
  if (!(await inside(app.path, admin.appRoots))) {
    problems.push(`path: ${app.path} is outside admin.appRoots (${admin.appRoots.join(', ')}); put the app there or add its directory to admin.appRoots in the config file`);
  }
  const ownCredentials = new Set(['NANO_ADMIN_TOKEN', 'NANO_SECRET_KEY', admin.tokenFromEnv]);
  for (const [name, spec] of Object.entries(app.secrets)) {
    if ('fromEnv' in spec) {
      if (ownCredentials.has(spec.fromEnv)) problems.push(`secrets.${name}: ${spec.fromEnv} is one of NANO's own credentials and is never an app's secret`);
      else if (!envAllowed(spec.fromEnv, admin.secretSources.env)) problems.push(`secrets.${name}: the environment variable ${spec.fromEnv} is not in admin.secretSources.env; add it (or a prefix like "APP_*") in the config file, or use an encrypted secret`);
    } else if ('fromFile' in spec && !(await inside(spec.fromFile, admin.secretSources.files))) {
      problems.push(`secrets.${name}: the file ${spec.fromFile} is outside admin.secretSources.files; add its directory in the config file, or use an encrypted secret`);
    }
  }
  return problems;
}
