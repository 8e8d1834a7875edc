// Composes a running NANO from a config source: the Server, the Reloader (file + admin overlays),
// the file Watcher, and, when a token is configured, the admin listener with metrics. The CLI
// calls `run` and wires signals to `reload` and `shutdown`; tests can call it in-process.
import { protectEndpoint } from '../host-calls/fetch.js';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.js';
import { holdFreedHeap, onMemoryRelease } from '../isolates/memory-release.js';
import type { Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { noopHooks, type Hooks } from '../observability/hooks.js';
import { setLimitReporter } from '../host-calls/limit-report.js';
import { AdminServer } from '../admin/admin-server.js';
import { resolveAdminToken } from '../admin/auth.js';
import { Reloader, type ReloadRecord } from '../reload/reloader.js';
import { Watcher } from '../reload/watcher.js';
import type { ConfigSource, Overlay } from '../reload/source.js';
import { Server, type DrainResult } from '../server/server.js';

export interface RunOptions {
  readonly source: ConfigSource;
  readonly logger: Logger;
  readonly hostEnv?: NodeJS.ProcessEnv;
  /**
   * Set in a worker process under the supervisor (src/supervisor/): no admin listener and no file
   * watching of its own (the supervisor has them), metrics when the supervisor's admin API reads
   * them, and `trace` wrapping the hooks (the supervisor learns the last app a request went to).
   */
  readonly worker?: { readonly metrics: boolean; readonly trace: (hooks: Hooks) => Hooks; readonly overlays: ReadonlyMap<string, Overlay> };
}

export interface Running {
  readonly server: Server;
  readonly reloader: Reloader;
  readonly config: Config;
  /** The metrics registry, or null when nothing reads metrics. */
  readonly metrics: Metrics | null;
  readonly address: AddressInfo;
  /** The admin listener's address, or null when the admin API is off (no token). */
  readonly adminAddress: AddressInfo | null;
  readonly watching: boolean;
  /** Re-reads the config (SIGHUP); never throws. */
  reload(trigger: string): Promise<ReloadRecord>;
  /** Stops watching, drains every app (see Server.drain, and its `handoff` mode), then closes the admin listener. */
  shutdown(timeoutMs?: number, mode?: 'refuse' | 'handoff'): Promise<DrainResult>;
}

/** Starts everything; throws (ConfigError, ReloadError, NanoError) when the first config fails. */
export async function run(opts: RunOptions): Promise<Running> {
  const log = opts.logger;
  const raw = await opts.source.readRaw();
  const overlays = opts.worker?.overlays ?? new Map<string, Overlay>();
  const config = opts.source.compose(raw, overlays);
  const token = opts.worker === undefined ? resolveAdminToken(config, opts.hostEnv) : null;
  // Metrics cost a little on every request, so they exist only when something can read them.
  const metrics = token !== null || opts.worker?.metrics === true ? new Metrics() : null;
  const hooks = opts.worker?.trace(metrics ?? noopHooks) ?? metrics ?? noopHooks;
  const server = new Server({ logger: log, hooks });
  setLimitReporter((app, limit, message, hits) => {
    hooks.hostLimit(app, limit, hits);
    log.warn({ app, code: 'NANO_ERR_HOST_LIMIT', limit, hits }, `app "${app}" hit the host limit ${limit}${hits > 1 ? ` ${hits} times` : ''}: ${message}`);
  });
  metrics?.attach(server);
  const reloader = new Reloader({ server, source: opts.source, logger: log, hooks, initialRaw: raw, initialOverlays: overlays });
  holdFreedHeap();
  const address = await server.start(config);
  const stopReleaseLog = onMemoryRelease((r) => log.debug({ event: 'memory_released', ...r }, `returned freed isolate memory to the OS: RSS ${r.rssBeforeMiB} → ${r.rssAfterMiB} MiB in ${r.ms} ms`));

  let admin: AdminServer | null = null;
  let adminAddress: AddressInfo | null = null;
  let unprotectAdmin: () => void = () => {};
  if (token !== null) {
    admin = new AdminServer({ server, reloader, metrics, token, logger: log });
    adminAddress = await admin.listen(config.admin.port, config.admin.host);
    // Apps may never fetch the admin API, whatever port it got (also when configured as 0).
    unprotectAdmin = protectEndpoint(adminAddress.address, adminAddress.port);
  } else if (opts.worker === undefined) {
    log.info({ event: 'admin_off' }, `admin API off: no admin.token and ${config.admin.tokenFromEnv} is not set`);
  }

  let watcher: Watcher | null = null;
  if (config.watch.enabled) {
    const w = new Watcher({
      debounceMs: config.watch.debounceMs,
      log,
      onChange: (paths) => {
        log.debug({ event: 'files_changed', paths: paths.slice(0, 10) }, 'files changed; reloading');
        const since = Date.now();
        void reloader.reload('watch', { changedPaths: paths }).then(() => w.sync(reloader.watchedPaths(), since));
      },
    });
    await w.start(reloader.watchedPaths());
    watcher = w;
  }

  let shuttingDown: Promise<DrainResult> | null = null;
  return {
    server,
    reloader,
    config,
    metrics,
    address,
    adminAddress,
    watching: watcher !== null,
    async reload(trigger: string) {
      const since = Date.now();
      const r = await reloader.reload(trigger);
      void watcher?.sync(reloader.watchedPaths(), since);
      return r;
    },
    shutdown(timeoutMs?: number, mode: 'refuse' | 'handoff' = 'refuse') {
      shuttingDown ??= (async () => {
        const closing = watcher?.close();
        const result = await server.drain(timeoutMs ?? server.config?.server.drainTimeoutMs ?? config.server.drainTimeoutMs, mode);
        await Promise.all([closing, admin?.close()]);
        unprotectAdmin();
        stopReleaseLog();
        return result;
      })();
      return shuttingDown;
    },
  };
}
