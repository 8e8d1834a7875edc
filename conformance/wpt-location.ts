// Finds the WPT files to run: --wpt DIR, NANO_WPT_DIR or wpt/suite/, in per-source or single-checkout layout.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pin } from './config.js';

/** The file wpt:sync writes into each synced source folder, recording what it copied. */
export const SYNC_RECORD = '.nano-wpt-source.json';

/** Where one pinned source's files are on disk, and which upstream state they are. */
export interface SourceRoot {
  readonly dir: string;
  /** The commit the files came from, as far as we can tell ("unknown" otherwise). */
  readonly commit: string;
  /** True when that commit is the pinned one (or a listed mirror of it). */
  readonly matchesPin: boolean;
}

export interface WptLocation {
  /** The directory that was looked at, and why that one. */
  readonly dir: string;
  readonly from: '--wpt' | 'NANO_WPT_DIR' | 'wpt/suite';
  /** Per source name: its files, or absent when this location lacks them. */
  readonly sources: Readonly<Record<string, SourceRoot>>;
}

/** The repository root: the nearest folder above this file with NANO's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && /"name":\s*"nano-runtime"/.test(readFileSync(manifest, 'utf8'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('conformance: cannot find the NANO repository root');
    dir = parent;
  }
}

const isDir = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** The commit of a folder: wpt:sync's record, else git's HEAD when it is a checkout. */
function commitOf(dir: string): string {
  const record = join(dir, SYNC_RECORD);
  if (existsSync(record)) {
    const data = JSON.parse(readFileSync(record, 'utf8')) as { commit?: unknown };
    if (typeof data.commit === 'string') return data.commit;
  }
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Resolves the WPT location. In the per-source layout (what wpt:sync writes) every pinned source
 * has its own folder `DIR/<source>/`. Otherwise DIR is taken as one WPT checkout serving every
 * source whose paths it holds. A source with no files is simply absent from the result.
 */
export function locateWpt(pin: Pin, flag: string | undefined, env: string | undefined, root: string): WptLocation {
  const from = flag !== undefined ? '--wpt' : env !== undefined && env !== '' ? 'NANO_WPT_DIR' : 'wpt/suite';
  const dir = resolve(from === '--wpt' ? (flag ?? '') : from === 'NANO_WPT_DIR' ? (env ?? '') : join(root, 'wpt', 'suite'));
  const sources: Record<string, SourceRoot> = {};
  const names = Object.keys(pin.sources);
  const perSource = names.some((name) => isDir(join(dir, name)));
  for (const [name, source] of Object.entries(pin.sources)) {
    const sourceDir = perSource ? join(dir, name) : dir;
    if (!isDir(sourceDir) || !source.paths.some((path) => existsSync(join(sourceDir, path)))) continue;
    const commit = commitOf(sourceDir);
    const pinned = [source.commit, ...source.mirrors.map((mirror) => mirror.commit)];
    sources[name] = { dir: sourceDir, commit, matchesPin: pinned.includes(commit) };
  }
  return { dir, from, sources };
}

/** testharness.js from the checkout when it has one (it matches the tests), else wpt-runner's copy. */
export function testharnessPath(sourceDir: string, root: string): string {
  const own = join(sourceDir, 'resources', 'testharness.js');
  return existsSync(own) ? own : join(root, 'node_modules', 'wpt-runner', 'testharness', 'testharness.js');
}
