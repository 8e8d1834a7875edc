// Reads a project's wrangler config (wrangler.toml, wrangler.json or wrangler.jsonc, in that
// order, as wrangler looks for them) into the few fields NANO honours, plus the names of every
// other field so the loader can warn about them once. TOML is parsed with smol-toml, JSONC with
// jsonc-parser (comments and trailing commas allowed). The file is the user's: every field is
// checked by type, and a problem names the file, the field and the fix. A wrangler environment
// (`[env.staging]`, `"env": { "staging": … }`) is applied as wrangler applies it: `main` is
// inherited, `name` defaults to `<name>-<env>`, `vars` and `services` are not inherited.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { ConfigError, type ConfigProblem } from '../config/load.js';

export const WRANGLER_FILES = ['wrangler.toml', 'wrangler.json', 'wrangler.jsonc'] as const;

const BINDING = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ServiceBinding {
  readonly binding: string;
  readonly service: string;
}

export interface WranglerConfig {
  /** Absolute path of the file read. */
  readonly file: string;
  readonly name?: string;
  /** Entry module relative to the project root, as written. */
  readonly main?: string;
  /** `vars`, as env bindings (strings or JSON values). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** `services`: service bindings to other apps of the NANO config. */
  readonly services: readonly ServiceBinding[];
  /** Every field present (top level and the selected environment's), for the unhonoured-field warning. */
  readonly fields: readonly string[];
  /** The environment applied (`env.<name>`), if one was selected. */
  readonly env?: string;
  /** Top-level fields the selected environment does not inherit and does not set (wrangler warns too). */
  readonly notInherited: readonly string[];
}

/** Fields wrangler does not inherit from the top level into an environment (of those NANO reads). */
const NOT_INHERITED = ['vars', 'services'] as const;
const ENV_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Reads the first wrangler file in `root`, or returns null when there is none. `envName` selects
 * an environment of the file; naming one the file does not define is an error.
 */
export async function readWrangler(root: string, envName?: string): Promise<WranglerConfig | null> {
  for (const name of WRANGLER_FILES) {
    const file = join(root, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError('NANO_ERR_CONFIG_READ', [{ file, path: '(root)', message: `cannot read: ${(err as Error).message}` }]);
    }
    return interpret(file, name.endsWith('.toml') ? parseTomlFile(file, text) : parseJsoncFile(file, text), envName);
  }
  return null;
}

function parseTomlFile(file: string, text: string): unknown {
  try {
    return parseToml(text);
  } catch (err) {
    const where = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : '';
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    throw new ConfigError('NANO_ERR_CONFIG_READ', [{ file, path: '(root)', message: `not valid TOML${where}: ${first}; fix the file` }]);
  }
}

function parseJsoncFile(file: string, text: string): unknown {
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const before = text.slice(0, first.offset).split('\n');
    const line = before.length;
    const column = (before[before.length - 1]?.length ?? 0) + 1;
    throw new ConfigError('NANO_ERR_CONFIG_READ', [{ file, path: '(root)', message: `not valid JSON at line ${line}, column ${column}: ${printParseErrorCode(first.error)}; fix the file` }]);
  }
  return value;
}

function interpret(file: string, raw: unknown, envName: string | undefined): WranglerConfig {
  if (!isTable(raw)) {
    throw new ConfigError('NANO_ERR_CONFIG_INVALID', [{ file, path: '(root)', message: 'expected a table (TOML) or an object (JSON) of wrangler fields' }]);
  }
  const problems: ConfigProblem[] = [];
  const top = section(file, raw, '', problems);
  if (raw.env !== undefined && !isTable(raw.env)) problems.push({ file, path: 'env', message: 'expected a table of environments, like [env.staging]' });
  if (envName === undefined) {
    if (problems.length > 0) throw new ConfigError('NANO_ERR_CONFIG_INVALID', problems);
    return { file, ...opt('name', top.name), ...opt('main', top.main), vars: top.vars, services: top.services, fields: Object.keys(raw), notInherited: [] };
  }
  const envs = isTable(raw.env) ? raw.env : {};
  const own = Object.hasOwn(envs, envName) ? envs[envName] : undefined;
  if (!ENV_NAME.test(envName) || !isTable(own)) {
    const known = Object.keys(envs).filter((k) => isTable(envs[k]));
    const list = known.length === 0 ? 'it defines none' : `it defines ${known.map((k) => `"${k}"`).join(', ')}`;
    problems.push({ file, path: `env.${envName}`, message: `no environment "${envName}" in this file (${list}); fix the environment name or add [env.${envName}]` });
    throw new ConfigError('NANO_ERR_CONFIG_INVALID', problems);
  }
  const sub = section(file, own, `env.${envName}.`, problems);
  if (problems.length > 0) throw new ConfigError('NANO_ERR_CONFIG_INVALID', problems);
  // As wrangler: an environment's name is "<top name>-<env>" unless it sets its own; main is
  // inherited; vars and services belong to the environment alone.
  const name = sub.name ?? (top.name === undefined ? undefined : `${top.name}-${envName}`);
  const notInherited = NOT_INHERITED.filter((f) => raw[f] !== undefined && own[f] === undefined);
  const fields = [...new Set([...Object.keys(raw), ...Object.keys(own)])];
  return { file, ...opt('name', name), ...opt('main', sub.main ?? top.main), vars: sub.vars, services: sub.services, fields, env: envName, notInherited };
}

interface Section {
  readonly name: string | undefined;
  readonly main: string | undefined;
  readonly vars: Record<string, unknown>;
  readonly services: ServiceBinding[];
}

/** The fields NANO reads from the top level or one environment (`prefix` is "" or "env.<name>."). */
function section(file: string, r: Record<string, unknown>, prefix: string, problems: ConfigProblem[]): Section {
  const str = (field: string): string | undefined => {
    const v = r[field];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v !== '') return v;
    problems.push({ file, path: prefix + field, message: `expected a non-empty string, got ${typeof v}` });
    return undefined;
  };
  const name = str('name');
  const main = str('main');
  const vars: Record<string, unknown> = {};
  if (r.vars !== undefined) {
    if (!isTable(r.vars)) {
      problems.push({ file, path: `${prefix}vars`, message: 'expected a table of NAME = value' });
    } else {
      for (const [k, v] of Object.entries(r.vars)) {
        if (!BINDING.test(k)) problems.push({ file, path: `${prefix}vars.${k}`, message: 'invalid binding name: use letters, digits and "_", not starting with a digit' });
        else vars[k] = jsonValue(v);
      }
    }
  }
  const services: ServiceBinding[] = [];
  if (r.services !== undefined) {
    if (!Array.isArray(r.services)) problems.push({ file, path: `${prefix}services`, message: 'expected an array of { binding, service }' });
    else {
      r.services.forEach((b: unknown, i) => {
        const o = isTable(b) ? b : {};
        if (typeof o.binding !== 'string' || !BINDING.test(o.binding)) problems.push({ file, path: `${prefix}services[${i}].binding`, message: 'expected a binding name like AUTH' });
        else if (typeof o.service !== 'string' || o.service === '') problems.push({ file, path: `${prefix}services[${i}].service`, message: 'expected the name of an app in the NANO config' });
        else services.push({ binding: o.binding, service: o.service });
      });
    }
  }
  return { name, main, vars, services };
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function opt<K extends string>(key: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: string };
}

/** TOML dates and other non-JSON values become their JSON form, as the env carries JSON. */
function jsonValue(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v) ?? 'null') as unknown;
}
