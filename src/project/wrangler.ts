// Reads a project's wrangler config (wrangler.toml, wrangler.json or wrangler.jsonc, in that
// order, as wrangler looks for them) into the few fields NANO honours, plus the names of every
// other field so the loader can warn about them once. TOML is parsed with smol-toml, JSONC with
// jsonc-parser (comments and trailing commas allowed). The file is the user's: every field is
// checked by type, and a problem names the file, the field and the fix.
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
  /** Every top-level field present, for the unhonoured-field warning. */
  readonly fields: readonly string[];
}

/** Reads the first wrangler file in `root`, or returns null when there is none. */
export async function readWrangler(root: string): Promise<WranglerConfig | null> {
  for (const name of WRANGLER_FILES) {
    const file = join(root, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError('NANO_ERR_CONFIG_READ', [{ file, path: '(root)', message: `cannot read: ${(err as Error).message}` }]);
    }
    return interpret(file, name.endsWith('.toml') ? parseTomlFile(file, text) : parseJsoncFile(file, text));
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

function interpret(file: string, raw: unknown): WranglerConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('NANO_ERR_CONFIG_INVALID', [{ file, path: '(root)', message: 'expected a table (TOML) or an object (JSON) of wrangler fields' }]);
  }
  const r = raw as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  const str = (field: string): string | undefined => {
    const v = r[field];
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v !== '') return v;
    problems.push({ file, path: field, message: `expected a non-empty string, got ${typeof v}` });
    return undefined;
  };
  const name = str('name');
  const main = str('main');
  const vars: Record<string, unknown> = {};
  if (r.vars !== undefined) {
    if (typeof r.vars !== 'object' || r.vars === null || Array.isArray(r.vars)) {
      problems.push({ file, path: 'vars', message: 'expected a table of NAME = value' });
    } else {
      for (const [k, v] of Object.entries(r.vars)) {
        if (!BINDING.test(k)) problems.push({ file, path: `vars.${k}`, message: 'invalid binding name: use letters, digits and "_", not starting with a digit' });
        else vars[k] = jsonValue(v);
      }
    }
  }
  const services: ServiceBinding[] = [];
  if (r.services !== undefined) {
    if (!Array.isArray(r.services)) problems.push({ file, path: 'services', message: 'expected an array of { binding, service }' });
    else {
      r.services.forEach((b: unknown, i) => {
        const o = typeof b === 'object' && b !== null ? (b as Record<string, unknown>) : {};
        if (typeof o.binding !== 'string' || !BINDING.test(o.binding)) problems.push({ file, path: `services[${i}].binding`, message: 'expected a binding name like AUTH' });
        else if (typeof o.service !== 'string' || o.service === '') problems.push({ file, path: `services[${i}].service`, message: 'expected the name of an app in the NANO config' });
        else services.push({ binding: o.binding, service: o.service });
      });
    }
  }
  if (problems.length > 0) throw new ConfigError('NANO_ERR_CONFIG_INVALID', problems);
  return { file, ...(name !== undefined ? { name } : {}), ...(main !== undefined ? { main } : {}), vars, services, fields: Object.keys(r) };
}

/** TOML dates and other non-JSON values become their JSON form, as the env carries JSON. */
function jsonValue(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v) ?? 'null') as unknown;
}
