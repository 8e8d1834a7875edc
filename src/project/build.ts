// Builds a Workers project into one ES module with esbuild (TypeScript, TSX/JSX, npm packages from
// the project's node_modules, JSON and text imports, `cloudflare:workers`) and caches the result
// on disk by the content hash of everything the build read, so a restart loads the bundle without
// building. The bundle reaches the app loader in memory, as an `AppCode` of one file: the loader
// never reads the project's files itself.
import { build, formatMessages, version as esbuildVersion, type Message, type Plugin, type Metafile } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { AppCode } from '../isolates/app-code.js';
import { NanoError } from '../errors/registry.js';
import { CLOUDFLARE_WORKERS_SOURCE } from './cloudflare-workers.js';
import { SourceMap, mapStack } from './source-map.js';

/** The bundle's module name inside the isolate (stacks show `file:///nano-bundle.js:…`). */
export const BUNDLE_NAME = 'nano-bundle.js';
/** Bumped when the build options change, so older cached bundles are not used. */
const BUILD_FORMAT = 1;
const MAX_TREE_ENTRIES = 20_000;
const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

export interface BuiltApp {
  readonly code: AppCode;
  /** Files the build read from outside the project tree that the app watcher skips (node_modules). */
  readonly watch: readonly string[];
  readonly fromCache: boolean;
  /** Time the build (or the cache check) took, in ms. */
  readonly ms: number;
}

interface CacheRecord {
  readonly key: string;
  readonly tree: string;
  /** [absolute path, sha256] of every file the build read. */
  readonly inputs: readonly (readonly [string, string])[];
  readonly moduleSyntax: boolean;
  readonly bundle: string;
  readonly map: string;
}

/**
 * The directory bundles are cached in: `NANO_CACHE_DIR`, else `$XDG_CACHE_HOME/nano`, else
 * `~/.cache/nano`. Outside the project, so writing a cache never triggers the app watcher.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.NANO_CACHE_DIR;
  if (own !== undefined && own !== '') return resolve(own);
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'nano');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Builds (or loads from the cache) the project at `root` whose entry is `entry` (relative). */
export async function buildProject(root: string, entry: string, moduleSyntax: boolean): Promise<BuiltApp> {
  const started = performance.now();
  const key = sha256(JSON.stringify([BUILD_FORMAT, esbuildVersion, root, entry, moduleSyntax]));
  const file = join(cacheDir(), 'builds', `${key.slice(0, 24)}.json`);
  const tree = await treeHash(root);
  const cached = await readCache(file, key, tree);
  if (cached !== null) return finish(root, cached, true, started);

  let result;
  try {
    result = await build({
      absWorkingDir: root,
      entryPoints: ['nano:entry'],
      outfile: join(root, BUNDLE_NAME),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      // As wrangler resolves packages for workerd.
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['browser', 'module', 'main'],
      resolveExtensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.jsx', '.cjs', '.json'],
      loader: { '.txt': 'text', '.html': 'text' },
      sourcemap: 'external',
      sourcesContent: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [nanoModules(entry, moduleSyntax)],
    });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!Array.isArray(errors) || errors.length === 0) throw new NanoError('NANO_ERR_APP_BUILD', `build of ${root} failed: ${err instanceof Error ? err.message : String(err)}`);
    throw new NanoError('NANO_ERR_APP_BUILD', await describeErrors(root, errors));
  }
  const bundle = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))?.text ?? '{}';
  if (bundle.length > MAX_BUNDLE_BYTES) throw new NanoError('NANO_ERR_APP_BUILD', `the bundle of ${root} is larger than ${MAX_BUNDLE_BYTES} bytes`);
  const inputs = await hashInputs(root, result.metafile);
  const record: CacheRecord = { key, tree, inputs, moduleSyntax, bundle, map };
  await writeCache(file, record);
  return finish(root, record, false, started);
}

function finish(root: string, r: CacheRecord, fromCache: boolean, started: number): BuiltApp {
  const sourceMap = new SourceMap(r.map);
  const url = `file:///${BUNDLE_NAME}`;
  const inTree = (p: string): boolean => {
    const rel = relative(root, p);
    return !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('node_modules');
  };
  const code: AppCode = {
    root,
    entry: BUNDLE_NAME,
    files: new Map([[BUNDLE_NAME, r.bundle]]),
    moduleSyntax: r.moduleSyntax,
    // The map counts too: a source edit that leaves the bundle alone (a comment) still moves lines.
    version: sha256(`${r.moduleSyntax ? 'm' : 's'}\0${r.bundle}\0${r.map}`).slice(0, 12),
    mapStack: (stack) => mapStack(stack, url, sourceMap),
  };
  return { code, watch: r.inputs.map(([p]) => p).filter((p) => !inTree(p)), fromCache, ms: performance.now() - started };
}

/** The virtual modules: the entry wrapper, `cloudflare:workers`, and clear errors for the rest. */
function nanoModules(entry: string, moduleSyntax: boolean): Plugin {
  const spec = JSON.stringify(`./${entry}`);
  // A module-syntax entry's default export passes through the shim, which records the env for
  // `import { env } from 'cloudflare:workers'`; a service-worker script is the entry as it is.
  const wrapper = moduleSyntax
    ? `import * as app from ${spec};\nimport { __nanoWrapHandler } from 'cloudflare:workers';\nexport default __nanoWrapHandler(app.default);\n`
    : `import ${spec};\n`;
  return {
    name: 'nano-modules',
    setup(b) {
      b.onResolve({ filter: /^nano:entry$/ }, () => ({ path: 'entry', namespace: 'nano' }));
      b.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: 'cloudflare-workers', namespace: 'nano' }));
      b.onResolve({ filter: /^(cloudflare|node):/ }, (args) => ({
        errors: [{ text: `"${args.path}" is not available in NANO${args.path.startsWith('node:') ? ' (nodejs_compat is not supported)' : ''}; remove the import or use a web API instead` }],
      }));
      b.onLoad({ filter: /.*/, namespace: 'nano' }, (args) => ({
        contents: args.path === 'entry' ? wrapper : CLOUDFLARE_WORKERS_SOURCE,
        loader: 'js',
        resolveDir: b.initialOptions.absWorkingDir ?? '.',
      }));
    },
  };
}

/** Every error as `file:line:column: message` with esbuild's code frame, paths relative to root. */
async function describeErrors(root: string, errors: Message[]): Promise<string> {
  // esbuild suggests marking an unresolved import "external", which NANO has no way to load.
  const shown = errors.slice(0, 10).map((e) => (e.text.startsWith('Could not resolve') ? { ...e, notes: [{ text: 'Install the package into the project\'s node_modules (npm install), or fix the import path.', location: null }] } : e));
  const frames = await formatMessages(shown, { kind: 'error', color: false, terminalWidth: 100 });
  const parts = shown.map((e, i) => {
    const loc = e.location === null ? '' : `${e.location.file}:${e.location.line}:${e.location.column + 1}: `;
    // esbuild's own header and location lines go: the location is given once, 1-based, in front.
    const frame = (frames[i] ?? '').split('\n').slice(1).filter((l) => !/^\s+\S.*:\d+:\d+:$/.test(l) && l.trim() !== '');
    return `${loc}${e.text}\n${frame.join('\n')}`;
  });
  const more = errors.length > shown.length ? `\n(${errors.length - shown.length} more errors)` : '';
  return `build of ${root} failed with ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${parts.join('\n')}${more}`;
}

/** Content hashes of every file the build read, plus the package.json of each package used. */
async function hashInputs(root: string, meta: Metafile): Promise<[string, string][]> {
  const files = new Set<string>();
  for (const p of Object.keys(meta.inputs)) {
    if (p.startsWith('nano:')) continue;
    const abs = resolve(root, p);
    files.add(abs);
    const pkg = packageJsonOf(abs);
    if (pkg !== null) files.add(pkg);
  }
  for (const f of ['package.json', 'tsconfig.json']) files.add(join(root, f));
  const out: [string, string][] = [];
  for (const f of [...files].sort()) out.push([f, await hashFile(f)]);
  return out;
}

/** `…/node_modules/pkg/package.json` (or `@scope/pkg`) of a file inside a package, else null. */
function packageJsonOf(file: string): string | null {
  const parts = file.split(sep);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0 || i + 1 >= parts.length) return null;
  const depth = parts[i + 1]?.startsWith('@') === true ? 3 : 2;
  if (i + depth >= parts.length) return null;
  return [...parts.slice(0, i + depth), 'package.json'].join(sep);
}

async function hashFile(file: string): Promise<string> {
  try {
    return sha256(await readFile(file));
  } catch {
    return 'absent';
  }
}

/**
 * A hash of the project's file names (not node_modules, not dot-files): a new file can change
 * what an import resolves to, so it invalidates the cached bundle even before anything imports it.
 */
async function treeHash(root: string): Promise<string> {
  const names: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let ents;
    try {
      ents = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      if (names.length >= MAX_TREE_ENTRIES) return;
      const full = join(dir, e.name);
      names.push(relative(root, full));
      if (e.isDirectory()) await walk(full);
    }
  };
  await walk(root);
  return sha256(names.sort().join('\0'));
}

async function readCache(file: string, key: string, tree: string): Promise<CacheRecord | null> {
  let r: Partial<CacheRecord>;
  try {
    r = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheRecord>;
  } catch {
    return null;
  }
  if (r.key !== key || r.tree !== tree || !Array.isArray(r.inputs) || typeof r.bundle !== 'string' || typeof r.map !== 'string' || typeof r.moduleSyntax !== 'boolean') return null;
  for (const entry of r.inputs) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || (await hashFile(entry[0])) !== entry[1]) return null;
  }
  return r as CacheRecord;
}

/** Writes the record atomically (a temp file renamed over it); a cache that cannot be written is skipped. */
async function writeCache(file: string, r: CacheRecord): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(r));
    await rename(tmp, file);
  } catch {
    // No cache this time: the next start builds again.
  }
}
