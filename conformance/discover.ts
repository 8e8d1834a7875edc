// Turns areas.json plus a WPT location into the list of test jobs to run and files skipped (with reasons).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AreaExpectations } from './expectations.js';
import { chooseScope, parseMeta } from './meta.js';
import type { SkippedJob, TestJob } from './types.js';

/** The file kinds the runner knows how to run; everything else matched by a glob is ignored. */
const TEST_FILE = /\.(any|window|worker)\.js$/;

export interface Discovery {
  readonly jobs: TestJob[];
  readonly skipped: SkippedJob[];
}

/** A skip recorded for this exact id (file + variant) or for the file as a whole. */
function skipReason(expectations: AreaExpectations, id: string, path: string): string | undefined {
  for (const key of [id, path]) {
    const entry = expectations[key];
    if (entry !== undefined && 'skip' in entry) return entry.skip;
  }
  return undefined;
}

/**
 * Lists the jobs of one area. `.any.js` files run once per variant in the scope chosen from their
 * META (a worker-like scope when allowed); `.window.js` files run in a window-like scope (no
 * document); `.worker.js` files run as dedicated-worker scripts. A file whose only scope is one
 * a server runtime cannot offer is skipped with that reason.
 */
export function discoverArea(name: string, root: string, files: readonly string[], expectations: AreaExpectations): Discovery {
  const jobs: TestJob[] = [];
  const skipped: SkippedJob[] = [];
  for (const path of files) {
    if (!TEST_FILE.test(path)) continue;
    const meta = parseMeta(readFileSync(join(root, path), 'utf8'));
    const variants = meta.variants.length === 0 ? [''] : meta.variants;
    const isAny = path.endsWith('.any.js');
    const scope = isAny ? chooseScope(meta) : path.endsWith('.window.js') ? 'window' : 'worker';
    for (const variant of variants) {
      const id = `${path}${variant}`;
      const reason = skipReason(expectations, id, path);
      if (reason !== undefined) {
        skipped.push({ id, area: name, reason });
      } else if (scope === null || (isAny && scope === 'window')) {
        // An .any.js limited to window scopes expects a document; a server runtime has none.
        skipped.push({ id, area: name, reason: `runs only in global=${meta.globals.join(',')}` });
      } else {
        jobs.push({ id, area: name, root, path, variant, meta, scope, selfContained: path.endsWith('.worker.js') });
      }
    }
  }
  return { jobs, skipped };
}
