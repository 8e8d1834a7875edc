// Parses the `// META:` header of a WPT test file: global scopes, helper scripts, timeout, title, variants.
import type { ScopeKind, TestMeta } from './types.js';

/** The scopes WPT assumes when a file has no `global=` line. */
const DEFAULT_GLOBALS = ['window', 'dedicatedworker'] as const;

/** Scope names that mean "some kind of worker"; `worker` is WPT's shorthand for several of them. */
const WORKER_SCOPES = new Set(['worker', 'dedicatedworker', 'sharedworker', 'serviceworker', 'shadowrealm', 'jsshell']);

/**
 * Reads the META block. Like wptserve, only lines at the very top count: the block ends at the
 * first line that is neither blank nor a `// META:` comment.
 */
export function parseMeta(source: string): TestMeta {
  const globals: string[] = [];
  const scripts: string[] = [];
  const variants: string[] = [];
  let timeout: 'normal' | 'long' = 'normal';
  let title: string | undefined;
  let sawGlobal = false;

  for (const rawLine of source.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    const match = /^\/\/\s*META:\s*([a-z_]+)\s*=\s*(.*)$/.exec(line);
    if (match === null) break;
    const key = match[1] ?? '';
    const value = (match[2] ?? '').trim();
    switch (key) {
      case 'global':
        sawGlobal = true;
        for (const name of value.split(',')) {
          const scope = name.trim();
          if (scope !== '') globals.push(scope);
        }
        break;
      case 'script':
        scripts.push(value);
        break;
      case 'timeout':
        if (value === 'long') timeout = 'long';
        break;
      case 'title':
        title = value;
        break;
      case 'variant':
        variants.push(value);
        break;
      default:
        // Other keys (e.g. `quic=`) do not change how a file runs here.
        break;
    }
  }

  return {
    globals: sawGlobal ? globals : [...DEFAULT_GLOBALS],
    scripts,
    timeout,
    ...(title === undefined ? {} : { title }),
    variants,
  };
}

/**
 * Chooses the scope an `.any.js` file runs as in a server runtime: a worker-like scope when the
 * file allows any worker or a shadow realm (the closest match to an isolate), otherwise window
 * when listed; null when the list names no scope at all.
 */
export function chooseScope(meta: TestMeta): ScopeKind | null {
  if (meta.globals.some((scope) => WORKER_SCOPES.has(scope.replace(/-module$/, '')))) return 'worker';
  if (meta.globals.includes('window')) return 'window';
  return null;
}

/**
 * Resolves a `script=` value the way the browser would against the test's URL path: absolute
 * paths start at the WPT root, others are relative to the test file's directory. Returns a path
 * from the root without a leading slash, or null when it would leave the root.
 */
export function resolveScriptPath(testPath: string, script: string): string | null {
  const base = new URL(`http://wpt.invalid/${testPath}`);
  const resolved = new URL(script, base);
  if (resolved.host !== 'wpt.invalid') return null;
  return decodeURIComponent(resolved.pathname.replace(/^\//, ''));
}

/**
 * wptserve's URL aliases (its server config maps these paths to files elsewhere in the tree);
 * the idlharness tests load the WebIDL parser by its alias.
 */
const ALIASES: Readonly<Record<string, string>> = {
  'resources/WebIDLParser.js': 'resources/webidl2/lib/webidl2.js',
};

/** The file path behind a served path (a path from the WPT root without a leading slash). */
export function unalias(path: string): string {
  return ALIASES[path] ?? path;
}
