// Loads an app's code from its configured path, whatever shape it has: a Workers project (a
// wrangler file, a tsconfig.json, npm dependencies or a TypeScript entry) is built with esbuild
// (build.ts); a plain directory of ES modules, or a single .js file, is read as it is
// (src/isolates/app-code.ts). The entry comes from the config's `entry`, else wrangler's `main`,
// else package.json `module`/`main`, else the first default name that exists. A selected wrangler
// environment and, when the app asks for it, the project's `.dev.vars` shape the env.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, posix, resolve } from 'node:path';
import { readAppCode, type AppCode } from '../isolates/app-code.js';
import type { AppConfig } from '../config/schema.js';
import { NanoError } from '../errors/registry.js';
import { buildProject } from './build.js';
import { unhonouredFields } from './compat.js';
import { readWrangler, type ServiceBinding, type WranglerConfig } from './wrangler.js';
import { devVarsFile, readDevVars } from '../env/dev-vars.js';

const BUILT_EXTS = new Set(['.ts', '.tsx', '.mts', '.cts', '.jsx']);
const PROJECT_ENTRIES = [
  'src/index.ts', 'src/index.tsx', 'src/worker.ts', 'src/index.js', 'src/index.mjs', 'src/worker.js',
  'index.ts', 'index.tsx', 'worker.ts', 'index.js', 'index.mjs', 'worker.js', 'worker.mjs', 'main.js', 'main.mjs',
];
/** The heuristic app-code.ts uses too: an `export default` (or `as default`) means module syntax. */
const DEFAULT_EXPORT = /(^|[\s;}])export\s+default\b|export\s*\{[^}]*\bas\s+default\b/;

/** What of an app's config decides how its code loads. */
export interface LoadOptions {
  /** The config's `entry`, instead of wrangler's `main`. */
  readonly entry?: string | undefined;
  /** The wrangler environment to apply (`wranglerEnv`, `--env`). */
  readonly wranglerEnv?: string | undefined;
  /** Read the project's `.dev.vars` (`devVars`, `--dev-vars`). */
  readonly devVars?: boolean | undefined;
}

export interface LoadedApp {
  readonly code: AppCode;
  /** The wrangler file's `vars` with `.dev.vars` over them, to merge under the config's env. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** The wrangler file's service bindings, to add to the config's. */
  readonly services: readonly ServiceBinding[];
  readonly wrangler: WranglerConfig | null;
  /** One line naming the wrangler fields NANO does not honour, or null. */
  readonly warning: string | null;
  /** Files outside the project tree the build read (the app watcher does not see them otherwise). */
  readonly watch: readonly string[];
  /** Present when NANO built the code: whether the bundle came from the cache, and the time taken. */
  readonly build: { readonly fromCache: boolean; readonly ms: number } | null;
}

interface PackageJson {
  readonly main?: unknown;
  readonly module?: unknown;
  readonly dependencies?: unknown;
}

export async function loadApp(path: string, opts: LoadOptions = {}): Promise<LoadedApp> {
  const entryOverride = opts.entry;
  const abs = resolve(path);
  const st = await stat(abs).catch(() => null);
  if (st === null) throw new NanoError('NANO_ERR_APP_LOAD', `app path ${abs} does not exist`);
  if (st.isFile()) {
    if (opts.wranglerEnv !== undefined) throw new NanoError('NANO_ERR_CONFIG_INVALID', `app path ${abs} is a single file, which has no wrangler environments; remove "wranglerEnv"`);
    if (!BUILT_EXTS.has(extname(abs))) return plain(dirname(abs), await readAppCode(abs, entryOverride), opts);
    return built(dirname(abs), basename(abs), null, opts);
  }
  const wrangler = await readWrangler(abs, opts.wranglerEnv);
  if (wrangler === null && opts.wranglerEnv !== undefined) {
    throw new NanoError('NANO_ERR_CONFIG_INVALID', `app path ${abs} has no wrangler.toml/json/jsonc, so no environment "${opts.wranglerEnv}"; remove "wranglerEnv" (or --env)`);
  }
  const pkg = await readPackageJson(abs);
  let entry: string | undefined;
  let from = '';
  if (entryOverride !== undefined) [entry, from] = [entryOverride, '"entry" in the config'];
  else if (wrangler?.main !== undefined) [entry, from] = [wrangler.main, `"main" in ${basename(wrangler.file)}`];
  else {
    const m = typeof pkg?.module === 'string' ? pkg.module : typeof pkg?.main === 'string' ? pkg.main : undefined;
    if (m !== undefined) [entry, from] = [m, '"module"/"main" in package.json'];
  }
  if (entry === undefined) {
    for (const candidate of PROJECT_ENTRIES) {
      if (await isFile(join(abs, candidate))) {
        entry = candidate;
        break;
      }
    }
  }
  const hasDeps = typeof pkg?.dependencies === 'object' && pkg.dependencies !== null && Object.keys(pkg.dependencies).length > 0;
  const isProject = wrangler !== null || hasDeps || (await isFile(join(abs, 'tsconfig.json'))) || (entry !== undefined && BUILT_EXTS.has(extname(entry)));
  // A plain directory of ES modules loads exactly as it always has.
  if (!isProject) return plain(abs, await readAppCode(abs, entryOverride), opts);
  if (entry === undefined) {
    throw new NanoError('NANO_ERR_APP_LOAD', `project ${abs} has no entry module: set "main" in wrangler.toml/wrangler.jsonc, or add src/index.ts`);
  }
  const rel = posix.normalize(entry.replace(/\\/g, '/').replace(/^\.\//, ''));
  if (rel.startsWith('../') || rel === '..' || posix.isAbsolute(rel)) {
    throw new NanoError('NANO_ERR_APP_LOAD', `project ${abs}: the entry "${entry}" (${from}) points outside the project directory`);
  }
  if (!(await isFile(join(abs, rel)))) {
    throw new NanoError('NANO_ERR_APP_LOAD', `project ${abs}: the entry "${entry}" (${from}) does not exist; fix the path`);
  }
  return built(abs, rel, wrangler, opts);
}

/**
 * The app with its project's wrangler `vars` under its env and wrangler `services` beside its own
 * (the config's of the same name win); a wrangler service must name an app of the config.
 */
export function applyProject(app: AppConfig, loaded: LoadedApp, apps: readonly AppConfig[]): AppConfig {
  const taken = (k: string): boolean => Object.hasOwn(app.env, k) || Object.hasOwn(app.secrets, k);
  const vars = Object.entries(loaded.vars).filter(([k]) => !taken(k));
  const own = new Set(app.services.map((b) => b.binding));
  const services = loaded.services.filter((b) => !own.has(b.binding) && !taken(b.binding));
  for (const b of services) {
    if (!apps.some((a) => a.name === b.service)) {
      throw new NanoError('NANO_ERR_CONFIG_INVALID', `service binding ${b.binding} in ${loaded.wrangler?.file ?? 'the wrangler file'} names app "${b.service}", which is not in the config; add that app or remove the binding`);
    }
  }
  if (vars.length === 0 && services.length === 0) return app;
  return { ...app, env: { ...Object.fromEntries(vars), ...app.env } as AppConfig['env'], services: [...app.services, ...services] };
}

async function built(root: string, entry: string, wrangler: WranglerConfig | null, opts: LoadOptions): Promise<LoadedApp> {
  const source = await readFile(join(root, entry), 'utf8');
  const b = await buildProject(root, entry, DEFAULT_EXPORT.test(source));
  return finish(root, b.code, wrangler, opts, b.watch, { fromCache: b.fromCache, ms: b.ms });
}

async function plain(root: string, code: AppCode, opts: LoadOptions): Promise<LoadedApp> {
  return finish(root, code, null, opts, [], null);
}

/** The loaded app with its env from the wrangler file and, when asked for, `.dev.vars`. */
async function finish(root: string, code: AppCode, wrangler: WranglerConfig | null, opts: LoadOptions, watch: readonly string[], build: LoadedApp['build']): Promise<LoadedApp> {
  // As `wrangler dev`: .dev.vars values override the wrangler file's vars of the same name.
  const dev = opts.devVars === true ? await readDevVars(root, opts.wranglerEnv) : null;
  const unread = opts.devVars === true ? null : await devVarsFile(root, opts.wranglerEnv);
  const warnings = [wrangler === null ? null : fieldWarning(wrangler), unread === null ? null : devVarsNotRead(unread)].filter((w) => w !== null);
  return {
    code,
    vars: { ...(wrangler?.vars ?? {}), ...(dev?.vars ?? {}) },
    services: wrangler?.services ?? [],
    wrangler,
    warning: warnings.length === 0 ? null : warnings.join('; '),
    // The watcher skips dot-files unless named: a .dev.vars in use is named.
    watch: dev === null ? watch : [...watch, dev.file],
    build,
  };
}

/** The note about a .dev.vars NANO leaves alone: a local file never reaches a served env unasked. */
function devVarsNotRead(file: string): string {
  return `${basename(file)} is not read (it would override the env): set "devVars": true for the app, or pass --dev-vars, to use it`;
}

/** The one warning about a wrangler file's fields, or null when NANO honours all of them. */
export function fieldWarning(w: WranglerConfig): string | null {
  const g = unhonouredFields(w.fields);
  const parts: string[] = [];
  if (g.unsupported.length > 0) parts.push(`not supported: ${g.unsupported.join(', ')}`);
  if (g.partial.length > 0) parts.push(`partly supported: ${g.partial.join(', ')}`);
  if (g.noEffect.length > 0) parts.push(`no effect here: ${g.noEffect.join(', ')}`);
  if (g.unknown.length > 0) parts.push(`unknown: ${g.unknown.join(', ')}`);
  const label = w.env === undefined ? basename(w.file) : `${basename(w.file)} [env.${w.env}]`;
  const n = w.notInherited;
  const notes = n.length === 0 ? '' : `${label}: ${n.join(' and ')} ${n.length === 1 ? 'is' : 'are'} set at the top level but not in the environment, which does not inherit ${n.length === 1 ? 'it' : 'them'} (as in wrangler)`;
  if (parts.length === 0) return notes === '' ? null : notes;
  return `${notes === '' ? '' : `${notes}; `}${label}: NANO ignores fields it cannot honour (${parts.join('; ')}); see the "Coming from Cloudflare Workers" guide`;
}

/** The wrangler `name` of the project at `path`, or null (no wrangler file, or not a directory). */
export async function projectName(path: string, wranglerEnv?: string): Promise<string | null> {
  const abs = resolve(path);
  if ((await stat(abs).catch(() => null))?.isDirectory() !== true) return null;
  return (await readWrangler(abs, wranglerEnv))?.name ?? null;
}

async function readPackageJson(root: string): Promise<PackageJson | null> {
  try {
    const v = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as PackageJson) : null;
  } catch {
    // No package.json, or not JSON: the default entry names apply, as for a plain directory.
    return null;
  }
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() === true;
}
