// Watches the config file and every app's directory (chokidar) and asks for a reload once a
// burst of changes under one of them has been quiet for `debounceMs`. What it watches follows the
// applied config: after each reload the caller syncs the paths. node_modules and dot-files are
// ignored, as the app loader ignores them, except paths given on purpose (the node_modules files a
// project's build read, so an edit there rebuilds it); symbolic links are not followed.
//
// The roots given at start share one chokidar watcher; roots a reload adds get one watcher per
// sync, so the watcher knows when they are ready (chokidar says "ready" once per watcher): an edit
// made between the reload reading the app and chokidar watching its directory would otherwise be
// missed. Once a new root is watched, a file under it modified since the reload began asks for
// one more reload of it.
import { watch, type FSWatcher } from 'chokidar';
import { lstat, readdir } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import type { Logger } from '../observability/logger.js';

export interface WatcherOptions {
  readonly debounceMs: number;
  readonly log: Logger;
  /** Called after a quiet period with the paths that changed (relative order kept, no duplicates). */
  readonly onChange: (paths: string[]) => void;
}

/** Files looked at, at most, when checking a new root for edits made before it was watched. */
const MAX_CHECKED_FILES = 10_000;

export class Watcher {
  readonly #opts: WatcherOptions;
  #closed = false;
  readonly #roots = new Map<string, FSWatcher>();
  /** Changes waiting for their root's quiet period, by watched root. */
  readonly #bursts = new Map<string, { paths: Set<string>; timer: NodeJS.Timeout | undefined }>();
  /** Paths watched on purpose even though their name starts with a dot (e.g. a `.nano.json`). */
  #explicit = new Set<string>();

  constructor(opts: WatcherOptions) {
    this.#opts = opts;
  }

  /** Starts watching; resolves once chokidar has scanned the paths (edits after this are seen). */
  async start(paths: readonly string[]): Promise<void> {
    this.#explicit = new Set(paths);
    await this.#watch(paths);
  }

  /**
   * Follows the applied config: watches new app paths, stops watching removed ones. `since` is
   * when the reload that gave these paths began (Date.now()): a new root with a file modified
   * since then is reloaded once more when its watching begins. Resolves once new roots are watched.
   */
  async sync(paths: readonly string[], since: number): Promise<void> {
    if (this.#closed) return;
    const next = new Set(paths);
    this.#explicit = next;
    const closing: Promise<void>[] = [];
    for (const [root, fs] of this.#roots) {
      if (next.has(root)) continue;
      this.#roots.delete(root);
      // A watcher shared with roots still watched stops watching this one; the last one closes.
      if ([...this.#roots.values()].includes(fs)) fs.unwatch(root);
      else closing.push(fs.close());
    }
    const added = paths.filter((p) => !this.#roots.has(p));
    await Promise.all(closing);
    if (added.length === 0) return;
    await this.#watch(added);
    await Promise.all(added.map(async (root) => {
      if (!this.#closed && this.#roots.has(root) && (await modifiedSince(root, since, this.#ignored))) this.#changed(root);
    }));
  }

  readonly #ignored = (p: string): boolean => !this.#explicit.has(p) && (basename(p).startsWith('.') || p.split(sep).includes('node_modules'));

  async #watch(roots: readonly string[]): Promise<void> {
    const fs = watch([...roots], {
      ignoreInitial: true,
      // An app directory is the tenant's: a link in it is not followed (the loader refuses it).
      followSymlinks: false,
      ignored: this.#ignored,
    });
    for (const root of roots) this.#roots.set(root, fs);
    fs.on('all', (_event, path) => this.#changed(path));
    fs.on('error', (err) => this.#opts.log.warn({ event: 'watch_error', err: err instanceof Error ? err.message : String(err) }, 'file watcher error; reload with SIGHUP or POST /admin/reload'));
    await new Promise<void>((resolve) => fs.once('ready', () => resolve()));
  }

  /**
   * Each watched root (the config file, an app's directory) has its own quiet period, so an app
   * whose files change again and again postpones only its own reload, never another app's.
   */
  #changed(path: string): void {
    if (this.#closed) return;
    const root = this.#rootOf(path);
    let burst = this.#bursts.get(root);
    if (burst === undefined) {
      burst = { paths: new Set(), timer: undefined };
      this.#bursts.set(root, burst);
    }
    const b = burst;
    b.paths.add(path);
    clearTimeout(b.timer);
    b.timer = setTimeout(() => {
      this.#bursts.delete(root);
      this.#opts.onChange([...b.paths]);
    }, this.#opts.debounceMs);
  }

  /** The longest watched path that contains `path` (itself when none does). */
  #rootOf(path: string): string {
    let best = '';
    for (const w of this.#roots.keys()) {
      if (w.length > best.length && (path === w || path.startsWith(w.endsWith(sep) ? w : w + sep))) best = w;
    }
    return best === '' ? path : best;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const b of this.#bursts.values()) clearTimeout(b.timer);
    this.#bursts.clear();
    const all = new Set(this.#roots.values());
    this.#roots.clear();
    await Promise.all([...all].map((fs) => fs.close()));
  }
}

/**
 * A file system's timestamps come from a coarse clock that can lag Date.now() by a few
 * milliseconds: a file written just after `since` may carry a slightly earlier time.
 */
const CLOCK_SLACK_MS = 50;

/** Whether `root` (a file, or a directory walked without following links) has a file modified at or after `since`. */
async function modifiedSince(root: string, since: number, ignored: (p: string) => boolean): Promise<boolean> {
  since -= CLOCK_SLACK_MS;
  const queue = [root];
  let seen = 0;
  while (queue.length > 0 && seen < MAX_CHECKED_FILES) {
    const path = queue.pop() as string;
    if (path !== root && ignored(path)) continue;
    seen++;
    try {
      const st = await lstat(path);
      if (st.mtimeMs >= since || st.ctimeMs >= since) return true;
      if (st.isDirectory()) for (const name of await readdir(path)) queue.push(join(path, name));
    } catch {
      // Gone between the listing and the look: the watcher reports that itself.
    }
  }
  return false;
}
