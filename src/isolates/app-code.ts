// An app's code as one immutable version: every module file under the app directory read once,
// the entry resolved, and a loader that links relative imports inside the directory only.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve, relative, dirname, extname, sep, posix } from 'node:path';
import ivm from 'isolated-vm';
import { NanoError } from '../errors/registry.js';

const DEFAULT_ENTRIES = ['index.js', 'index.mjs', 'worker.js', 'worker.mjs', 'main.js', 'main.mjs', 'src/index.js', 'src/worker.js'];
const MODULE_EXTS = new Set(['.js', '.mjs', '.cjs', '.json', '.txt', '.html', '.wasm']);
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

async function walk(root: string, dir: string, out: Map<string, string>, budget: { files: number; bytes: number }): Promise<void> {
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    if (ent.name === 'node_modules' || ent.name.startsWith('.')) continue;
    const full = join(dir, ent.name);
    if (ent.isDirectory()) await walk(root, full, out, budget);
    else if (ent.isFile() && MODULE_EXTS.has(extname(ent.name))) {
      if (--budget.files < 0) throw new NanoError('NANO_ERR_APP_LOAD', `app directory ${root} has more than ${MAX_FILES} module files`);
      const text = await readFile(full, 'utf8');
      budget.bytes -= text.length;
      if (budget.bytes < 0) throw new NanoError('NANO_ERR_APP_LOAD', `app directory ${root} holds more than ${MAX_BYTES} bytes of modules`);
      out.set(relative(root, full).split(sep).join('/'), text);
    }
  }
}

export async function readAppCode(path: string, entryOverride?: string): Promise<AppCode> {
  const abs = resolve(path);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new NanoError('NANO_ERR_APP_LOAD', `app path ${abs} does not exist`);
  }
  const files = new Map<string, string>();
  let root: string;
  let entry: string;
  if (st.isFile()) {
    root = dirname(abs);
    entry = relative(root, abs).split(sep).join('/');
    files.set(entry, await readFile(abs, 'utf8'));
  } else {
    root = abs;
    await walk(root, root, files, { files: MAX_FILES, bytes: MAX_BYTES });
    let main: string | undefined = entryOverride;
    if (main === undefined) {
      try {
        const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { main?: unknown; module?: unknown };
        const m = typeof pkg.module === 'string' ? pkg.module : typeof pkg.main === 'string' ? pkg.main : undefined;
        if (m !== undefined) main = posix.normalize(m.replace(/^\.\//, ''));
      } catch {
        // no package.json: use the default entry names
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
export async function instantiateApp(isolate: ivm.Isolate, context: ivm.Context, code: AppCode, timeoutMs: number): Promise<ivm.Module> {
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
  // Synchronous: an async evaluate hops to isolated-vm's thread and back (~1-2 ms of a cold start
  // on a busy core). Top-level await still works: its continuation runs in the isolate's next turns.
  entry.evaluateSync({ timeout: timeoutMs });
  return entry;
}
