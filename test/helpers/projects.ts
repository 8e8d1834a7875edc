// Workers project fixtures for tests: copies a fixture from test/fixtures/projects into a temp
// directory and links the npm packages it uses from the repository's own node_modules (as an npm
// workspace or pnpm would: a symlink), so no package is downloaded and none is committed.
import { cpSync, mkdirSync, symlinkSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, tempTree } from './serve.js';

export const PROJECT_FIXTURES = join(ROOT, 'test/fixtures/projects');

/** Copies fixture `name` into a fresh temp dir (as `<tmp>/<name>`) and links `packages` into its node_modules. */
export function projectCopy(name: string, packages: readonly string[] = []): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'nano-project-')), name);
  cpSync(join(PROJECT_FIXTURES, name), dir, { recursive: true });
  linkPackages(dir, packages);
  return dir;
}

/** Symlinks each package of the repository's node_modules into `dir`/node_modules. */
export function linkPackages(dir: string, packages: readonly string[]): void {
  if (packages.length === 0) return;
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  for (const p of packages) symlinkSync(join(ROOT, 'node_modules', p), join(dir, 'node_modules', p), 'dir');
}

/** A fresh build cache directory, so each test decides whether a bundle is cached. */
export function freshCache(): { NANO_CACHE_DIR: string } {
  return { NANO_CACHE_DIR: tempTree({}) };
}
