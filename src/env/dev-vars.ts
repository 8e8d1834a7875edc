// Reads a Workers project's `.dev.vars` (dotenv format, parsed with the `dotenv` package's parse) as
// `wrangler dev` does: with a wrangler environment selected, `.dev.vars.<env>` when it exists,
// else `.dev.vars`. NANO reads it only when the app asks (`devVars: true`, `--dev-vars`): a stray
// local file must never override a production config silently. Values are secrets: never logged.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { NanoError } from '../errors/registry.js';

/** A .dev.vars larger than this is refused: it is a short list of local secrets, not data. */
export const DEV_VARS_MAX_BYTES = 1024 * 1024;
const BINDING = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface DevVars {
  /** Absolute path of the file read. */
  readonly file: string;
  readonly vars: Readonly<Record<string, string>>;
}

/** The `.dev.vars` file that applies to `root` (and `envName`), or null when there is none. */
export async function devVarsFile(root: string, envName?: string): Promise<string | null> {
  const names = envName === undefined ? ['.dev.vars'] : [`.dev.vars.${envName}`, '.dev.vars'];
  for (const n of names) {
    const file = join(root, n);
    if ((await stat(file).catch(() => null))?.isFile() === true) return file;
  }
  return null;
}

/** Reads and parses the `.dev.vars` that applies, or returns null when there is none. */
export async function readDevVars(root: string, envName?: string): Promise<DevVars | null> {
  const file = await devVarsFile(root, envName);
  if (file === null) return null;
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (err) {
    throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); check its permissions`);
  }
  if (text.length > DEV_VARS_MAX_BYTES) throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${file} is larger than ${DEV_VARS_MAX_BYTES} bytes; it should hold a few NAME=value lines`);
  const parsed = parse(text);
  const bad = Object.keys(parsed).filter((k) => !BINDING.test(k));
  if (bad.length > 0) throw new NanoError('NANO_ERR_SECRET_UNAVAILABLE', `${file}: invalid binding name${bad.length > 1 ? 's' : ''} ${bad.map((k) => `"${k}"`).join(', ')}: use letters, digits and "_", not starting with a digit`);
  return { file, vars: parsed };
}
