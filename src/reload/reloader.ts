// Applies config changes from every trigger (file watch, SIGHUP, the admin API) one at a time:
// compose the config (file + admin overlays + command-line overrides), hand it to
// Server.reconfigure, and record the outcome. A failure changes nothing: the running version
// keeps serving, one error line is logged, and the admin API shows it.
import { planPut, planRemove } from './admin-change.js';
import { AdminRequestError, describeConfigError } from './admin-error.js';
import type { Server, ReconfigureReport } from '../server/server.js';
import { ReloadError, formatAppProblem } from '../server/server.js';
import { Mutex } from '../server/mutex.js';
import type { Config } from '../config/schema.js';
import type { ErrorCode } from '../errors/registry.js';
import type { Logger } from '../observability/logger.js';
import { noopHooks, type Hooks } from '../observability/hooks.js';
import type { DrainOutcome } from '../drain/drain.js';
import { ConfigSource, type Overlay } from './source.js';

export { AdminRequestError };

/** The outcome of one reload attempt, as logged and shown by GET /admin/apps. */
export interface ReloadRecord {
  readonly trigger: string;
  readonly at: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  /** On failure: the error code and every problem, one line each (no secret values). */
  readonly code?: ErrorCode;
  readonly problems?: readonly string[];
}

export interface AppliedChange {
  readonly record: ReloadRecord;
  /** Resolves when replaced and removed versions have drained. */
  readonly retired: Promise<readonly DrainOutcome[]>;
}

export interface ReloaderOptions {
  readonly server: Server;
  readonly source: ConfigSource;
  readonly logger: Logger;
  readonly hooks?: Hooks;
  /** The raw config the server was started with (what admin changes compose against). */
  readonly initialRaw?: Record<string, unknown>;
  /** The admin overlays the server was started with (a supervised worker gets them from the supervisor). */
  readonly initialOverlays?: ReadonlyMap<string, Overlay>;
}

export class Reloader {
  readonly #server: Server;
  readonly #source: ConfigSource;
  readonly #log: Logger;
  readonly #hooks: Hooks;
  readonly #mutex = new Mutex();
  #overlays = new Map<string, Overlay>();
  /** The raw file config of the last successful apply; admin changes compose against it. */
  #baseRaw: Record<string, unknown> | null = null;
  #last: ReloadRecord | null = null;
  #lastFailure: ReloadRecord | null = null;
  #watchQueued: Promise<ReloadRecord> | null = null;
  /** Files a watch reported changed since the last reload started (read by the next watch reload). */
  readonly #watchChanged = new Set<string>();

  constructor(opts: ReloaderOptions) {
    this.#server = opts.server;
    this.#source = opts.source;
    this.#log = opts.logger;
    this.#hooks = opts.hooks ?? noopHooks;
    this.#baseRaw = opts.initialRaw ?? null;
    this.#overlays = new Map(opts.initialOverlays);
  }

  get source(): ConfigSource {
    return this.#source;
  }
  get last(): ReloadRecord | null {
    return this.#last;
  }
  get lastFailure(): ReloadRecord | null {
    return this.#lastFailure;
  }
  /** The admin overlays now in force, by app name. */
  get overlays(): ReadonlyMap<string, Overlay> {
    return this.#overlays;
  }

  /**
   * Re-reads the config file and applies it with the admin overlays (or without them, when
   * `discardOverlays`). Never throws: the returned record says whether it applied.
   */
  reload(trigger: string, opts: { discardOverlays?: boolean; changedPaths?: readonly string[] } = {}): Promise<ReloadRecord> {
    // A file watch names what changed: only the apps those files belong to are read again. Any
    // other trigger (SIGHUP, the admin API) reads every app.
    const watched = opts.changedPaths;
    if (watched !== undefined) for (const path of watched) this.#watchChanged.add(path);
    // A burst of watch events needs one reload after the last of them, not one each.
    if (trigger === 'watch' && opts.discardOverlays !== true && this.#watchQueued !== null) return this.#watchQueued;
    const p = this.#mutex.run(async () => {
      let changedPaths: string[] | undefined;
      if (trigger === 'watch') {
        this.#watchQueued = null;
        changedPaths = watched === undefined ? undefined : [...this.#watchChanged];
      }
      this.#watchChanged.clear();
      const start = performance.now();
      let raw: Record<string, unknown>;
      try {
        raw = await this.#source.readRaw();
      } catch (err) {
        return this.#failed(trigger, start, err);
      }
      const overlays = opts.discardOverlays === true ? new Map<string, Overlay>() : this.#overlays;
      const shadowed = ConfigSource.appNames(raw).filter((n) => overlays.has(n));
      const result = await this.#apply(trigger, start, raw, overlays, changedPaths);
      if (result.record.ok) {
        this.#baseRaw = raw;
        if (opts.discardOverlays === true && this.#overlays.size > 0) {
          this.#log.info({ event: 'overlays_discarded', apps: [...this.#overlays.keys()] }, 'admin changes discarded: running exactly the config file');
          this.#overlays = new Map();
        } else if (shadowed.length > 0) {
          this.#log.warn({ event: 'overlay_shadows_file', apps: shadowed }, `admin changes still override the config file for ${shadowed.join(', ')}; POST /admin/reload with {"discardOverlays": true} to run the file as written`);
        }
      }
      return result.record;
    });
    if (trigger === 'watch' && opts.discardOverlays !== true) {
      this.#watchQueued = p;
      void p.finally(() => {
        if (this.#watchQueued === p) this.#watchQueued = null;
      });
    }
    return p;
  }

  /** POST /admin/apps (`mode` add) and PUT /admin/apps/:name (`mode` replace). */
  putApp(mode: 'add' | 'replace', urlName: string | null, body: unknown): Promise<AppliedChange> {
    return this.#mutex.run(async () => {
      const start = performance.now();
      const raw = this.#baseRaw ?? (await this.#source.readRaw());
      const next = await planPut({ source: this.#source, raw, overlays: this.#overlays, running: this.#server.config }, mode, urlName, body);
      return this.#adminApply(`admin ${mode}`, start, next);
    });
  }

  /** DELETE /admin/apps/:name: the app drains (new requests 503) and is removed. */
  removeApp(name: string): Promise<AppliedChange> {
    return this.#mutex.run(async () => {
      const start = performance.now();
      return this.#adminApply('admin remove', start, planRemove({ overlays: this.#overlays, running: this.#server.config }, name));
    });
  }

  /**
   * Applies a set of admin overlays the supervisor already validated (planPut/planRemove there),
   * so every worker runs the same admin changes; throws AdminRequestError when the apps fail to load.
   */
  applyOverlays(trigger: string, overlays: ReadonlyMap<string, Overlay>): Promise<AppliedChange> {
    return this.#mutex.run(() => this.#adminApply(trigger, performance.now(), new Map(overlays)));
  }

  async #adminApply(trigger: string, start: number, next: Map<string, Overlay>): Promise<AppliedChange> {
    const raw = this.#baseRaw ?? (await this.#source.readRaw());
    const result = await this.#apply(trigger, start, raw, next);
    if (!result.record.ok) throw new AdminRequestError(result.record.code ?? 'NANO_ERR_CONFIG_INVALID', (result.record.problems ?? []).join('\n'), [...(result.record.problems ?? [])]);
    this.#overlays = next;
    this.#baseRaw = raw;
    return result;
  }

  async #apply(trigger: string, start: number, raw: Record<string, unknown>, overlays: ReadonlyMap<string, Overlay>, changedPaths?: readonly string[]): Promise<AppliedChange> {
    let cfg: Config;
    let report: ReconfigureReport;
    try {
      cfg = this.#source.compose(raw, overlays);
      this.#warnRestartOnly(cfg);
      report = await this.#server.reconfigure(cfg, changedPaths);
    } catch (err) {
      return { record: this.#failed(trigger, start, err), retired: Promise.resolve([]) };
    }
    const record: ReloadRecord = { trigger, at: new Date().toISOString(), ok: true, ms: Math.round(performance.now() - start), added: report.added, removed: report.removed, changed: report.changed };
    this.#last = record;
    this.#hooks.reload('ok', trigger);
    this.#log.info({ event: 'reloaded', trigger, added: report.added, removed: report.removed, changed: report.changed, ms: record.ms }, `reloaded (${trigger}): ${describeChange(report)}`);
    return { record, retired: report.retired };
  }

  /**
   * Records and logs (one line) a reload that changed nothing. The watcher may split one edit's
   * file events into two reloads of the same files: a failure with the same code and problems as
   * the reload just before it is logged at debug level, so an edit gives one error line.
   */
  #failed(trigger: string, start: number, err: unknown): ReloadRecord {
    const { code, problems } = describeError(err);
    const record: ReloadRecord = { trigger, at: new Date().toISOString(), ok: false, ms: Math.round(performance.now() - start), added: [], removed: [], changed: [], code, problems };
    const prev = this.#last;
    const repeated = prev !== null && !prev.ok && prev.code === code && prev.problems?.join('\n') === problems.join('\n');
    this.#last = record;
    this.#lastFailure = record;
    this.#hooks.reload('failed', trigger);
    const msg = `reload (${trigger}) failed; the running version keeps serving: ${problems.join(' | ')}`;
    if (repeated) this.#log.debug({ event: 'reload_failed', trigger, code, problems, repeated: true }, msg);
    else this.#log.error({ event: 'reload_failed', trigger, code, problems }, msg);
    return record;
  }

  /** Listener and admin settings apply at start only: say so instead of ignoring a change. */
  #warnRestartOnly(next: Config): void {
    const cur = this.#server.config;
    if (cur === null) return;
    const changed: string[] = [];
    if (next.server.host !== cur.server.host) changed.push('server.host');
    if (next.server.port !== cur.server.port) changed.push('server.port');
    for (const k of ['host', 'port', 'token', 'tokenFromEnv'] as const) if (next.admin[k] !== cur.admin[k]) changed.push(`admin.${k}`);
    if (changed.length > 0) this.#log.warn({ event: 'restart_needed', fields: changed }, `${changed.join(', ')} changed: restart nano to apply (the rest of the config is applied now)`);
  }

  /** Every path the watcher should follow: the config file and each app's directory or file. */
  watchedPaths(): string[] {
    const paths = new Set<string>();
    if (this.#source.file !== null) paths.add(this.#source.file);
    for (const a of this.#server.config?.apps ?? []) paths.add(a.path);
    for (const p of this.#server.projectWatchPaths()) paths.add(p);
    return [...paths];
  }
}

function describeChange(r: ReconfigureReport): string {
  const parts: string[] = [];
  if (r.added.length > 0) parts.push(`added ${r.added.join(', ')}`);
  if (r.removed.length > 0) parts.push(`removed ${r.removed.join(', ')}`);
  if (r.changed.length > 0) parts.push(`new version of ${r.changed.join(', ')}`);
  return parts.length === 0 ? 'nothing changed' : parts.join('; ');
}

/** Error code and problem lines of a failed reload: never a stack, never a secret value. */
export function describeError(err: unknown): { code: ErrorCode; problems: string[] } {
  if (err instanceof ReloadError) return { code: err.code, problems: err.problems.map(formatAppProblem) };
  return describeConfigError(err);
}
