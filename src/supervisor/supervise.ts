// Composes a supervised NANO (workers > 1): the Supervisor and its workers, the one file watcher
// (changes are validated here once, then every worker reloads), the admin listener with the
// workers' metrics summed, and memory recycling. The CLI calls `supervise` and wires signals.
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { describeConfigError } from '../reload/admin-error.js';
import { AppChanges } from './app-changes.js';
import type { ConfigSource } from '../reload/source.js';
import { Watcher } from '../reload/watcher.js';
import { SupervisorAdmin } from './admin.js';
import { WORKER_ENV } from './messages.js';
import { RssRecycler } from './recycle.js';
import { Supervisor, type Death, type ReadyInfo } from './supervisor.js';

export interface SuperviseOptions {
  readonly source: ConfigSource;
  readonly config: Config;
  readonly logger: Logger;
  readonly count: number;
  /** The admin token, or null (admin API off). */
  readonly token: string | null;
}

export interface Supervised {
  readonly ready: ReadyInfo;
  readonly adminAddress: AddressInfo | null;
  readonly watching: boolean;
  /** Validates the config once and, if valid, has every worker reload; never throws. */
  reload(trigger: string, changedPaths?: readonly string[], discardOverlays?: boolean): Promise<{ ok: boolean; problems: readonly string[] }>;
  /** Replaces the workers one at a time (SIGUSR2, POST /admin/restart). */
  restart(reason: string): Promise<void>;
  /** Drains every worker; resolves with the exit status (0 when every worker drained cleanly). */
  shutdown(): Promise<number>;
}

/** Deaths kept for GET /admin/workers. */
const DEATHS_KEPT = 20;

export async function supervise(opts: SuperviseOptions): Promise<Supervised> {
  const { config, logger: log } = opts;
  const deaths: Death[] = [];
  let supervisor: Supervisor | null = null;
  const metrics = opts.token === null ? null : new WorkerMetrics(() => supervisor?.workers().filter((w) => w.state !== 'draining').length ?? 0);
  let watcher: Watcher | null = null;
  /** When the last reload began: a root its workers report new is checked for edits since then. */
  let reloadBegan = Date.now();
  const syncWatch = (paths: readonly string[]): void => void watcher?.sync([...paths], reloadBegan);

  const changes = new AppChanges({ source: opts.source, raw: await opts.source.readRaw(), log, supervisor: () => supervisor, applyTimeoutMs: config.server.drainTimeoutMs + 60_000 });
  const reload = async (trigger: string, changedPaths?: readonly string[], discardOverlays = false): Promise<{ ok: boolean; problems: readonly string[] }> => {
    reloadBegan = Date.now();
    try {
      await changes.reload(await opts.source.readRaw(), discardOverlays);
    } catch (err) {
      const { code, problems } = describeConfigError(err);
      log.error({ event: 'reload_failed', trigger, code, problems }, `reload (${trigger}) refused before any worker saw it; the running config keeps serving:\n  ${problems.join('\n  ')}`);
      return { ok: false, problems };
    }
    supervisor?.broadcast({ nano: 'reload', trigger, ...(changedPaths !== undefined ? { changedPaths } : {}), ...(discardOverlays ? { discardOverlays } : {}) });
    return { ok: true, problems: [] };
  };

  const recycler = config.recycle.maxRssMb === undefined ? null : new RssRecycler(config.recycle.maxRssMb, (worker, rss) => {
    if (supervisor === null || supervisor.stopping) return;
    log.warn({ event: 'worker_recycle', worker, rssMb: Math.round(rss / 1048576), maxRssMb: config.recycle.maxRssMb }, `worker ${worker}: RSS stayed above recycle.maxRssMb; replacing it`);
    metrics?.replaced('recycle');
    void supervisor.replace(worker);
  });

  const admin = opts.token === null || metrics === null ? null : new SupervisorAdmin({
    token: opts.token,
    logger: log,
    metrics,
    workers: () => ({ workers: supervisor?.workers() ?? [], deaths }),
    reload: (discardOverlays) => reload('admin', undefined, discardOverlays),
    changes,
    apps: (name) => supervisor?.apps(name) ?? Promise.resolve([]),
    restart: async () => {
      const start = Date.now();
      await restart('admin');
      return { restarted: true, ms: Date.now() - start, workers: supervisor?.workers() ?? [] };
    },
  });
  const adminAddress = admin === null ? null : await admin.listen(config.admin.port, config.admin.host);

  supervisor = new Supervisor({
    count: opts.count,
    log,
    // A worker's drain has server.drainTimeoutMs; past it and a margin for its exit, it is killed.
    killAfterMs: config.server.drainTimeoutMs + 5_000,
    env: {
      [WORKER_ENV.adminPort]: adminAddress === null ? '' : String(adminAddress.port),
      [WORKER_ENV.metrics]: metrics === null ? '' : '1',
    },
    greet: () => changes.greeting(),
    onDeath: (d) => {
      deaths.push(d);
      if (deaths.length > DEATHS_KEPT) deaths.shift();
      metrics?.died(d);
    },
    onMessage: (worker, m) => {
      if (m.nano === 'stats') {
        metrics?.rss(worker, m.rss);
        recycler?.report(worker, m.rss);
      } else if (m.nano === 'reloaded' && worker === 1) syncWatch(m.watched);
    },
  });
  const sup = supervisor;
  let ready: ReadyInfo;
  try {
    ready = await sup.start();
  } catch (err) {
    await admin?.close();
    throw err;
  }

  if (config.watch.enabled) {
    const w = new Watcher({
      debounceMs: config.watch.debounceMs,
      log,
      onChange: (paths) => {
        log.debug({ event: 'files_changed', paths: paths.slice(0, 10) }, 'files changed; reloading every worker');
        void reload('watch', paths);
      },
    });
    await w.start(ready.watched);
    watcher = w;
  }

  const restart = async (reason: string): Promise<void> => {
    await sup.restart(reason);
    metrics?.replaced(reason, opts.count);
  };

  return {
    ready,
    adminAddress,
    watching: watcher !== null,
    reload,
    restart,
    async shutdown() {
      const closing = watcher?.close();
      const code = await sup.shutdown();
      await Promise.all([closing, admin?.close()]);
      return code;
    },
  };
}
