// Minimal path globs (`**`, `*`, `?`) and a sorted recursive file walk, for choosing test files.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Turns a glob over forward-slash paths into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? '';
    if (char === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more whole directories; a trailing `**` matches anything.
        if (glob[i + 2] === '/') {
          pattern += '(?:.*/)?';
          i += 2;
        } else {
          pattern += '.*';
          i += 1;
        }
      } else {
        pattern += '[^/]*';
      }
    } else if (char === '?') {
      pattern += '[^/]';
    } else {
      pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${pattern}$`);
}

/** The directory part of a glob before its first wildcard, so the walk can start there. */
function staticPrefix(glob: string): string {
  const wildcard = glob.search(/[*?]/);
  const head = wildcard === -1 ? glob : glob.slice(0, wildcard);
  const slash = head.lastIndexOf('/');
  return slash === -1 ? '' : head.slice(0, slash);
}

/** Every file below `dir` (skipping dot-folders), as forward-slash paths relative to `root`. */
function walk(root: string, dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) walk(root, rel, out);
    else if (entry.isFile()) out.push(rel);
  }
}

/** Files under `root` matching any `include` glob and no `exclude` glob, sorted by path. */
export function matchFiles(root: string, include: readonly string[], exclude: readonly string[]): string[] {
  const excluded = exclude.map(globToRegExp);
  const found = new Set<string>();
  for (const glob of include) {
    const regexp = globToRegExp(glob);
    const candidates: string[] = [];
    walk(root, staticPrefix(glob), candidates);
    for (const path of candidates) {
      if (regexp.test(path) && !excluded.some((re) => re.test(path))) found.add(path);
    }
  }
  return [...found].sort();
}
