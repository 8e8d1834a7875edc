// Reads, validates and freezes a config: every problem is reported in one pass with the file, the
// JSON path, what was wrong and how to fix it. A config that fails never replaces a running one.
import { readFile } from 'node:fs/promises';
import { dirname, resolve, isAbsolute } from 'node:path';
import type { z } from 'zod';
import { configSchema, type Config, type ConfigInput } from './schema.js';
import { NanoError } from '../errors/registry.js';

export interface ConfigProblem {
  readonly file: string;
  /** JSON path like `apps[1].hostnames[0]`, or `(root)`. */
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends NanoError {
  readonly problems: readonly ConfigProblem[];
  constructor(code: 'NANO_ERR_CONFIG_INVALID' | 'NANO_ERR_CONFIG_READ', problems: ConfigProblem[]) {
    super(code, problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}: ${p.path}: ${p.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Config fields that hold credentials: their values never appear in a message. */
const CREDENTIAL_FIELD = /token|secret|key|encrypted|password/i;

/** Turns zod issues into problems whose message says what is expected (the fix). */
export function problemsFromIssues(file: string, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling (see the config reference)`;
    } else if (issue.code === 'invalid_type') {
      const article = /^[aeiou]/.test(issue.expected) ? 'an' : 'a';
      message = issue.input === undefined ? `required field is missing: add ${article} ${issue.expected}` : `expected ${issue.expected}, got ${describe(issue.input)}`;
    } else if (issue.code === 'invalid_key') {
      message = `invalid binding name: expected a name like API_URL (letters, digits and "_", not starting with a digit)`;
    } else if (issue.code === 'too_small' || issue.code === 'too_big') {
      // A credential is never repeated, not even a too-short one.
      const secret = CREDENTIAL_FIELD.test(String(issue.path[issue.path.length - 1] ?? ''));
      message = `${issue.message.replace(/^Too (small|big): /, '')}${secret ? '' : `; got ${describe(issue.input)}`}`;
    } else if (issue.code === 'invalid_format' && 'pattern' in issue) {
      message = `expected ${issue.message.replace(/^Invalid string: /, '')}`;
    } else if (issue.code === 'invalid_union') {
      message = 'expected one of {"fromEnv": "VAR"}, {"fromFile": "/path"} or {"encrypted": "nano:v1:…"}';
    }
    return { file, path: formatPath(issue.path), message };
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** Validates a parsed config object; `file` is used in messages and to resolve app paths. */
export function validateConfig(raw: unknown, file: string): Config {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError('NANO_ERR_CONFIG_INVALID', problemsFromIssues(file, result.error.issues));
  const cfg = result.data;
  const base = dirname(resolve(file));
  // The admin API's roots, like app paths, are relative to the config file.
  // (new objects: a default zod hands out may be shared, and is frozen below)
  const { secretSources } = cfg.admin;
  cfg.admin = { ...cfg.admin, appRoots: cfg.admin.appRoots.map((r) => resolve(base, r)), secretSources: { ...secretSources, files: secretSources.files.map((r) => resolve(base, r)) } };
  for (const app of cfg.apps) {
    if (!isAbsolute(app.path)) app.path = resolve(base, app.path);
    // Secret files, like app paths, are relative to the config file (not to nano's cwd).
    for (const spec of Object.values(app.secrets)) {
      if ('fromFile' in spec && !isAbsolute(spec.fromFile)) spec.fromFile = resolve(base, spec.fromFile);
    }
  }
  return deepFreeze(cfg);
}

export async function loadConfigFile(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found; pass an existing config with --config' : (err as Error).message;
    throw new ConfigError('NANO_ERR_CONFIG_READ', [{ file, path: '(root)', message: reason }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError('NANO_ERR_CONFIG_READ', [{ file, path: '(root)', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  return validateConfig(raw, file);
}

/** The config `nano serve --app DIR` runs: one default app. */
export function singleAppConfig(appPath: string, port: number, host: string): Config {
  const input: ConfigInput = { server: { port, host }, apps: [{ name: 'app', path: resolve(appPath), default: true }] };
  return validateConfig(input, '<--app>');
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
