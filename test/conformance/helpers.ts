// Shared setup for the conformance runner's tests: fixture paths and a throwaway copy of the data folder.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../conformance/wpt-location.js';

export const ROOT = repoRoot();
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'wpt');
/** The fixture tree, laid out like a single WPT checkout. */
export const TREE = join(FIXTURES, 'tree');

/** A temporary copy of the fixture data folder (pin, areas, expectations), removed by `cleanup`. */
export function tempData(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'nano-wpt-data-'));
  cpSync(join(FIXTURES, 'data'), dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
