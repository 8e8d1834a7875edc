// An app's code as one immutable version: every module file under the app directory read once,
// the entry resolved, and a loader that links relative imports inside the directory only. The
// directory is the tenant's: a symbolic link anywhere in it is refused, and each file is opened
// without following links and checked to be the very file the directory walk saw (readAppFile).
import { readdir, stat, lstat, open, readlink, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join, resolve, relative, dirname, extname, sep, posix } from 'node:path';
import ivm from 'isolated-vm';
import { NanoError } from '../errors/registry.js';
import { wallTimeoutMs } from './thread-share.js';

/** The entry files looked for, in order, when an app names none (the schema's `entry` doc lists them). */
const DEFAULT_ENTRIES = ['index.js', 'index.mjs', 'worker.js', 'worker.mjs', 'main.js', 'main.mjs', 'src/index.js', 'src/worker.js'];
const MODULE_EXTS = new Set(['.js', '.mjs', '.cjs', '.json', '.txt', '.html', '.wasm']);
/** Internal guards against loading a wrong directory (not config: no app needs more). */
const MAX_FILES = 2000;
const MAX_BYTES = 64 * 1024 * 1024;

export interface AppCode {
  /** Directory the app may import from (absolute). */
  readonly root: string;
  /** Entry module as a path relative to root, with forward slashes. */
  readonly entry: string;
  /** Relative path → source text. */
  readonly files: ReadonlyMap<string, string>;
  /** True when the entry has `export default` (module syntax); else service-worker syntax. */
  readonly moduleSyntax: boolean;
  /** Content hash, so a reload can tell whether the code changed. */
  readonly version: string;
  /** Set for a built project (src/project/): rewrites bundle positions in a stack to source lines. */
  readonly mapStack?: (stack: string) => string;
}

/**
 * Reads the app file at `full` (an absolute path below a root without links) as text, refusing a
 * symbolic link: lstat says what the path is, the open does not follow a final link (O_NOFOLLOW),
 * fstat of the open file must be the inode lstat saw, and the kernel's name of the open file
 * (/proc/self/fd) must be `full` itself, so a directory swapped for a link between the walk and
 * the open is caught too. `maxBytes` bounds what is read.
 */
async function readAppFile(root: string, full: string, maxBytes: number): Promise<string> {
  const name = relative(root, full).split(sep).join('/');
  const seen = await lstat(full);
  if (seen.isSymbolicLink()) throw symlinkError(root, name);
  if (!seen.isFile()) throw new NanoError('NANO_ERR_APP_LOAD', `app file ${name} in ${root} is not a regular file`);
  let fh;
  try {
    fh = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkError(root, name);
    throw err;
  }
  try {
    const st = await fh.stat();
    let opened = full;
    if (process.platform === 'linux') opened = await readlink(`/proc/self/fd/${fh.fd}`);
    else opened = await realpath(full);
    if (!st.isFile() || st.ino !== seen.ino || st.dev !== seen.dev || opened !== full) {
      throw new NanoError('NANO_ERR_APP_LOAD', `app file ${name} in ${root} changed into another file while it was read (a link or a swapped directory); NANO reads only the app directory's own files`);
    }
    if (st.size > maxBytes) throw new NanoError('NANO_ERR_APP_LOAD', `app directory ${root} holds more than ${MAX_BYTES} bytes of modules`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

function symlinkError(root: string, name: string): NanoError {
  return new NanoError('NANO_ERR_APP_LOAD', `app file ${name} in ${root} is a symbolic link; NANO does not follow links in an app directory: replace it with the file (or directory) itself`);
}

async function walk(root: string, dir: string, out: Map<string, string>, budget: { files: number; bytes: number }): Promise<void> {
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    if (ent.name === 'node_modules' || ent.name.startsWith('.')) continue;
    const full = join(dir, ent.name);
    if (ent.isSymbolicLink()) throw symlinkError(root, relative(root, full).split(sep).join('/'));
    if (ent.isDirectory()) await walk(root, full, out, budget);
    else if (ent.isFile() && MODULE_EXTS.has(extname(ent.name))) {
      if (--budget.files < 0) throw new NanoError('NANO_ERR_APP_LOAD', `app directory ${root} has more than ${MAX_FILES} module files`);
      const text = await readAppFile(root, full, budget.bytes);
      budget.bytes -= text.length;
      if (budget.bytes < 0) throw new NanoError('NANO_ERR_APP_LOAD', `app directory ${root} holds more than ${MAX_BYTES} bytes of modules`);
      out.set(relative(root, full).split(sep).join('/'), text);
    }
  }
}

export async function readAppCode(path: string, entryOverride?: string): Promise<AppCode> {
  let abs: string;
  let st;
  try {
    // The configured path itself is the operator's: a link there (a release directory) is resolved once.
    abs = await realpath(resolve(path));
    st = await stat(abs);
  } catch {
    throw new NanoError('NANO_ERR_APP_LOAD', `app path ${resolve(path)} does not exist`);
  }
  const files = new Map<string, string>();
  let root: string;
  let entry: string;
  if (st.isFile()) {
    root = dirname(abs);
    entry = relative(root, abs).split(sep).join('/');
    files.set(entry, await readAppFile(root, abs, MAX_BYTES));
  } else {
    root = abs;
    await walk(root, root, files, { files: MAX_FILES, bytes: MAX_BYTES });
    let main: string | undefined = entryOverride;
    if (main === undefined) {
      try {
        const pkg = JSON.parse(await readAppFile(root, join(root, 'package.json'), 1 << 20)) as { main?: unknown; module?: unknown };
        const m = typeof pkg.module === 'string' ? pkg.module : typeof pkg.main === 'string' ? pkg.main : undefined;
        if (m !== undefined) main = posix.normalize(m.replace(/^\.\//, ''));
      } catch (err) {
        // A linked package.json is refused like any link; a missing or invalid one means the default entry names.
        if (err instanceof NanoError) throw err;
      }
    }
    main ??= DEFAULT_ENTRIES.find((e) => files.has(e));
    if (main === undefined || !files.has(main)) {
      throw new NanoError('NANO_ERR_APP_LOAD', `app ${root} has no entry module: add index.js (or worker.js, main.js) or set "entry" in the config`);
    }
    entry = main;
  }
  const src = files.get(entry) as string;
  const moduleSyntax = /(^|[\s;}])export\s+default\b|export\s*\{[^}]*\bas\s+default\b/.test(src);
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  for (const [k, v] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1))) h.update(k).update('\0').update(v).update('\0');
  h.update(entry);
  return { root, entry, files, moduleSyntax, version: h.digest('hex').slice(0, 12) };
}

/** Resolves `specifier` imported from `referrer` (both relative to the app root) or explains why not. */
export function resolveSpecifier(code: AppCode, specifier: string, referrer: string): string {
  if (!specifier.startsWith('./') && !specifier.startsWith('../') && !specifier.startsWith('/')) {
    throw new NanoError('NANO_ERR_APP_LOAD', `cannot import "${specifier}" from ${referrer}: only relative imports inside the app directory are supported; bundle dependencies into the app`);
  }
  const target = specifier.startsWith('/') ? posix.normalize(specifier.slice(1)) : posix.normalize(posix.join(posix.dirname(referrer), specifier));
  if (target.startsWith('../') || target === '..') {
    throw new NanoError('NANO_ERR_APP_LOAD', `cannot import "${specifier}" from ${referrer}: it points outside the app directory`);
  }
  for (const candidate of [target, `${target}.js`, `${target}.mjs`, `${target}/index.js`]) {
    if (code.files.has(candidate)) return candidate;
  }
  throw new NanoError('NANO_ERR_APP_LOAD', `cannot import "${specifier}" from ${referrer}: no such module in the app directory`);
}

/** Per-isolate module instances, compiled from the app's sources. */
/**
 * Compiles, links and evaluates the app's modules. `sync`: the top level runs on the calling
 * (main) thread, which saves a hop to isolated-vm's thread and back on a cold start; otherwise it
 * runs on the pool, for apps whose start-up is known to take longer than the main thread's slice.
 */
export async function instantiateApp(isolate: ivm.Isolate, context: ivm.Context, code: AppCode, timeoutMs: number, sync: boolean): Promise<ivm.Module> {
  const modules = new Map<string, ivm.Module>();
  const compile = (path: string): ivm.Module => {
    let m = modules.get(path);
    if (m !== undefined) return m;
    const source = code.files.get(path) as string;
    const text = path.endsWith('.json')
      ? `export default ${JSON.stringify(JSON.parse(source))};`
      : path.endsWith('.txt') || path.endsWith('.html')
        ? `export default ${JSON.stringify(source)};`
        : source;
    m = isolate.compileModuleSync(text, { filename: `file:///${path}` });
    modules.set(path, m);
    return m;
  };
  const entry = compile(code.entry);
  const paths = new Map<ivm.Module, string>([[entry, code.entry]]);
  entry.instantiateSync(context, (specifier, referrer) => {
    const from = paths.get(referrer) ?? code.entry;
    const target = resolveSpecifier(code, specifier, from);
    const m = compile(target);
    paths.set(m, target);
    return m;
  });
  // Top-level await works either way: its continuation runs in the isolate's next turns.
  try {
    if (sync) entry.evaluateSync({ timeout: wallTimeoutMs(timeoutMs, true) });
    else await entry.evaluate({ timeout: wallTimeoutMs(timeoutMs, false) });
  } catch (err) {
    if (err instanceof Error && typeof err.stack === 'string') appStacks.set(err, appStack(err.stack, code));
    throw err;
  }
  return entry;
}

/** Stacks of errors thrown by an app's top level: the app's frames only, mapped to its sources. */
const appStacks = new WeakMap<Error, string>();

function appStack(stack: string, code: AppCode): string {
  // isolated-vm appends the host's frames after this marker; they say nothing about the app.
  const cut = stack.indexOf('\n    at (<isolated-vm boundary>)');
  const own = cut === -1 ? stack : stack.slice(0, cut);
  return code.mapStack?.(own) ?? own;
}

/** The stack of an error an app's top level threw (see instantiateApp), or undefined. */
export function appStackOf(err: unknown): string | undefined {
  return err instanceof Error ? appStacks.get(err) : undefined;
}
