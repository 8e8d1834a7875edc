// Watches the config file and every app's directory (chokidar) and asks for a reload once a
// burst of changes under one of them has been quiet for `debounceMs`. What it watches follows the applied config:
// after each reload the caller syncs the paths. node_modules and dot-files are ignored, as the
// app loader ignores them, except paths given on purpose (the node_modules files a project's
// build read, so an edit there rebuilds it); symbolic links are not followed.
import { watch, type FSWatcher } from 'chokidar';
import { basename, sep } from 'node:path';
import type { Logger } from '../observability/logger.js';

export interface WatcherOptions {
  readonly debounceMs: number;
  readonly log: Logger;
  /** Called after a quiet period with the paths that changed (relative order kept, no duplicates). */
  readonly onChange: (paths: string[]) => void;
}

export class Watcher {
  readonly #opts: WatcherOptions;
  #fs: FSWatcher | null = null;
  #watched = new Set<string>();
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
    const fs = watch([...paths], {
      ignoreInitial: true,
      // An app directory is the tenant's: a link in it is not followed (the loader refuses it).
      followSymlinks: false,
      ignored: (p: string) => !this.#explicit.has(p) && (basename(p).startsWith('.') || p.split(sep).includes('node_modules')),
    });
    this.#fs = fs;
    this.#watched = new Set(paths);
    fs.on('all', (_event, path) => this.#changed(path));
    fs.on('error', (err) => this.#opts.log.warn({ event: 'watch_error', err: err instanceof Error ? err.message : String(err) }, 'file watcher error; reload with SIGHUP or POST /admin/reload'));
    await new Promise<void>((resolve) => fs.once('ready', () => resolve()));
  }

  /** Follows the applied config: watches new app paths, stops watching removed ones. */
  sync(paths: readonly string[]): void {
    const fs = this.#fs;
    if (fs === null) return;
    const next = new Set(paths);
    const added = [...next].filter((p) => !this.#watched.has(p));
    const gone = [...this.#watched].filter((p) => !next.has(p));
    this.#explicit = next;
    if (gone.length > 0) fs.unwatch(gone);
    if (added.length > 0) fs.add(added);
    this.#watched = next;
  }

  /**
   * Each watched root (the config file, an app's directory) has its own quiet period, so an app
   * whose files change again and again postpones only its own reload, never another app's.
   */
  #changed(path: string): void {
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
    for (const w of this.#watched) {
      if (w.length > best.length && (path === w || path.startsWith(w.endsWith(sep) ? w : w + sep))) best = w;
    }
    return best === '' ? path : best;
  }

  async close(): Promise<void> {
    for (const b of this.#bursts.values()) clearTimeout(b.timer);
    this.#bursts.clear();
    const fs = this.#fs;
    this.#fs = null;
    await fs?.close();
  }
}
