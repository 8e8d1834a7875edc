// Admin app changes with several workers (POST/PUT/DELETE /admin/apps): the supervisor keeps the
// overlays in force (in memory, like a single process: until restart or a reload that discards
// them), refuses a bad change with the single process's error before any worker sees it, has one
// worker load the change first (an app whose code fails to load is refused there, changing
// nothing), then every other worker; a worker that starts later gets the overlays before it
// builds an app (`hello` → `state`).
import type { Config } from '../config/schema.js';
import { NanoError, type ErrorCode } from '../errors/registry.js';
import type { Logger } from '../observability/logger.js';
import { planPut, planRemove } from '../reload/admin-change.js';
import { AdminRequestError, describeConfigError } from '../reload/admin-error.js';
import type { ConfigSource, Overlay } from '../reload/source.js';
import { Mutex } from '../server/mutex.js';
import type { ToWorker } from './messages.js';
import type { Supervisor } from './supervisor.js';

export interface ChangeOutcome {
  /** What a single process answers (app view or drain, and the reload record), from the first worker. */
  readonly result: Readonly<Record<string, unknown>>;
  /** Each worker the change reached; one that failed where the first succeeded is being replaced. */
  readonly workers: readonly { worker: number; ok: boolean }[];
}

export class AppChanges {
  readonly #source: ConfigSource;
  readonly #log: Logger;
  readonly #sup: () => Supervisor | null;
  readonly #applyTimeoutMs: number;
  readonly #mutex = new Mutex();
  #raw: Record<string, unknown>;
  #overlays = new Map<string, Overlay>();

  constructor(opts: { source: ConfigSource; raw: Record<string, unknown>; log: Logger; supervisor: () => Supervisor | null; applyTimeoutMs: number }) {
    this.#source = opts.source;
    this.#raw = opts.raw;
    this.#log = opts.log;
    this.#sup = opts.supervisor;
    this.#applyTimeoutMs = opts.applyTimeoutMs;
  }

  get overlays(): ReadonlyMap<string, Overlay> {
    return this.#overlays;
  }

  /** The answer to a starting worker's `hello`: the overlays in force once no change is under way. */
  greeting(): Promise<ToWorker> {
    return this.#mutex.run(async () => ({ nano: 'state', overlays: [...this.#overlays] }));
  }

  /**
   * Validates a reload's config with the overlays (none when `discard`); on success it becomes
   * the base of later changes. Throws the config's error; the caller then tells no worker.
   */
  reload(raw: Record<string, unknown>, discard: boolean): Promise<Config> {
    return this.#mutex.run(async () => {
      const config = this.#source.compose(raw, discard ? new Map() : this.#overlays);
      this.#raw = raw;
      if (discard) this.#overlays = new Map();
      return config;
    });
  }

  put(mode: 'add' | 'replace', urlName: string | null, body: unknown): Promise<ChangeOutcome> {
    return this.#mutex.run(async () => {
      const next = await planPut({ source: this.#source, raw: this.#raw, overlays: this.#overlays, running: this.#running() }, mode, urlName, body);
      const name = urlName ?? String((body as { name?: unknown }).name);
      return this.#apply(`admin ${mode}`, next, name, false);
    });
  }

  remove(name: string): Promise<ChangeOutcome> {
    return this.#mutex.run(async () => this.#apply('admin remove', planRemove({ overlays: this.#overlays, running: this.#running() }, name), name, true));
  }

  #running(): Config {
    return this.#source.compose(this.#raw, this.#overlays);
  }

  async #apply(trigger: string, next: Map<string, Overlay>, app: string, remove: boolean): Promise<ChangeOutcome> {
    // The whole config validates here, as a worker's apply would check it (a hostname taken twice).
    try {
      this.#source.compose(this.#raw, next);
    } catch (err) {
      const { code, problems } = describeConfigError(err);
      throw new AdminRequestError(code, problems.join('\n'), problems);
    }
    const sup = this.#sup();
    // A worker that took the old overlays at its start is listening before this change reaches it.
    await sup?.settle();
    const [first, ...rest] = sup?.serving() ?? [];
    if (sup === null || sup === undefined || first === undefined) throw new NanoError('NANO_ERR_APP_DRAINING', 'no worker is serving (shutting down); the change is not applied');
    const make = (id: number): ToWorker => ({ nano: 'overlays', id, trigger, overlays: [...next], app, remove });
    const answer = (await sup.request([first], make, this.#applyTimeoutMs))[0]?.answer;
    if (answer?.nano !== 'applied') throw new NanoError('NANO_ERR_INTERNAL', `worker ${first} did not answer the change within ${this.#applyTimeoutMs} ms; nothing was committed`);
    if (!answer.ok) throw new AdminRequestError(answer.code as ErrorCode, answer.problems.join('\n'), [...answer.problems]);
    this.#overlays = next;
    const others = await sup.request(rest, make, this.#applyTimeoutMs);
    const workers = [{ worker: first, ok: true }];
    for (const w of rest) {
      const a = others.find((o) => o.worker === w)?.answer;
      const ok = a?.nano === 'applied' && a.ok;
      workers.push({ worker: w, ok });
      if (ok) continue;
      // Its replacement starts from the overlays just committed, so every worker converges.
      this.#log.error({ event: 'admin_change_failed', worker: w, trigger, app, problems: a?.nano === 'applied' && !a.ok ? a.problems : ['no answer'] }, `worker ${w} did not apply ${trigger} of "${app}" that worker ${first} applied; replacing it`);
      void sup.replace(w);
    }
    return { result: answer.result, workers };
  }
}
