// A `nano serve` process running as one worker under the supervisor (src/supervisor/): it tells
// the supervisor when it listens, the last app a request went to and its RSS, and follows the
// supervisor's reload and drain messages over node:cluster's IPC channel.
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import type { Hooks } from '../observability/hooks.js';
import { noopHooks } from '../observability/hooks.js';
import type { Logger } from '../observability/logger.js';
import { isToWorker, STATS_EVERY_MS, TRACE_EVERY_MS, WORKER_ENV, type FromWorker, type ToWorker } from '../supervisor/messages.js';
import type { Overlay } from '../reload/source.js';
import { describeError } from '../reload/reloader.js';
import { describeAdminError } from '../reload/admin-error.js';
import type { Running } from './run.js';
import { appDetail, appSummary, type AppSummary } from '../admin/views.js';

/** This worker's slot number (1..N), or null when the process is not a supervised worker. */
export function workerIndex(): number | null {
  const v = process.env[WORKER_ENV.index];
  return v === undefined || !cluster.isWorker ? null : Number(v);
}

function send(m: FromWorker): void {
  if (process.connected) process.send?.(m);
}

/**
 * Asks the supervisor for the admin changes in force, before the worker builds any app, so a
 * worker started after a change (a crash replacement, a rolling restart) serves the same apps.
 */
export function greet(): Promise<Map<string, Overlay>> {
  return new Promise((resolve) => {
    const on = (m: unknown): void => {
      if (!isToWorker(m) || m.nano !== 'state') return;
      process.off('message', on);
      resolve(new Map(m.overlays));
    };
    process.on('message', on);
    send({ nano: 'hello' });
  });
}

/** Runs the admin changes the supervisor validated; answers with what the admin API shows, or the error. */
async function applyOverlays(nano: Running, m: Extract<ToWorker, { nano: 'overlays' }>): Promise<FromWorker> {
  try {
    const change = await nano.reloader.applyOverlays(m.trigger, new Map(m.overlays));
    if (m.remove) {
      const d = (await change.retired)[0];
      return { nano: 'applied', id: m.id, ok: true, result: { drain: d === undefined ? null : { ended: d.ended, ms: d.ms, cut: d.cut }, reload: change.record } };
    }
    const v = nano.server.app(m.app);
    return { nano: 'applied', id: m.id, ok: true, result: { app: v === undefined ? null : appDetail(v, 'admin'), reload: change.record } };
  } catch (err) {
    const { code, problems } = describeAdminError(err, describeError);
    return { nano: 'applied', id: m.id, ok: false, code, problems };
  }
}

/**
 * The hooks the server calls, plus a report of the app each request is routed to. Only a change of
 * app is sent, at most every TRACE_EVERY_MS, so a one-app worker sends one message in all.
 */
export function tracedHooks(base: Hooks): Hooks {
  const out = {} as Record<keyof Hooks, unknown>;
  for (const k of Object.keys(noopHooks) as (keyof Hooks)[]) out[k] = (base[k] as (...a: unknown[]) => void).bind(base);
  let sent: string | null = null;
  let last: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    if (last !== null && last !== sent) {
      sent = last;
      send({ nano: 'app', app: last });
    }
  };
  out.requestReceived = (app: string): void => {
    base.requestReceived(app);
    last = app;
    if (app !== sent && timer === undefined) {
      flush();
      timer = setTimeout(flush, TRACE_EVERY_MS).unref();
    }
  };
  return out as unknown as Hooks;
}

/**
 * Wires a started worker to the supervisor: `ready` now, RSS every STATS_EVERY_MS, and the
 * supervisor's messages. `stop` drains and exits the process (the CLI's own signal path).
 */
export function attachWorker(nano: Running, log: Logger, stop: (reason: string, mode: 'refuse' | 'handoff') => void): AttachedWorker {
  // The supervisor's /metrics asks every worker for its registry (prom-client's cluster protocol).
  // Constructing one installs prom-client's answering side; setRegistries picks what it answers with.
  if (nano.metrics !== null) {
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([nano.metrics.registry]);
  }
  const unlisten = (): void => {
    nano.server.stopAccepting();
    // Sent after node:cluster's own "close" on the same channel: when the supervisor reads this,
    // its primary has taken this worker out of the listener's round robin.
    send({ nano: 'unlistened' });
  };
  process.on('message', (m: unknown) => {
    if (!isToWorker(m)) return;
    if (m.nano === 'unlisten') unlisten();
    else if (m.nano === 'drain') stop('supervisor', m.mode);
    else if (m.nano === 'apps') {
      const source = (name: string): 'config' | 'admin' => (nano.reloader.overlays.get(name)?.op === 'put' ? 'admin' : 'config');
      const one = m.name === null ? undefined : nano.server.app(m.name);
      const apps = m.name === null ? nano.server.listApps().map((v) => appSummary(v, source(v.config.name))) : one === undefined ? [] : [appDetail(one, source(one.config.name)) as unknown as AppSummary];
      send({ nano: 'apps', id: m.id, apps });
    } else if (m.nano === 'overlays') void applyOverlays(nano, m).then(send);
    else if (m.nano === 'reload') {
      const opts = { ...(m.changedPaths !== undefined ? { changedPaths: [...m.changedPaths] } : {}), ...(m.discardOverlays === true ? { discardOverlays: true } : {}) };
      void nano.reloader.reload(m.trigger, opts).then((r) => send({ nano: 'reloaded', ok: r.ok, watched: nano.reloader.watchedPaths() }));
    }
  });
  // Without its supervisor a worker must not live on: it drains and exits.
  process.once('disconnect', () => stop('supervisor gone', 'refuse'));
  const addr: AddressInfo = nano.address;
  send({ nano: 'ready', port: addr.port, host: addr.address, apps: nano.config.apps.map((a) => a.name), watched: nano.reloader.watchedPaths() });
  setInterval(() => send({ nano: 'stats', rss: process.memoryUsage.rss() }), STATS_EVERY_MS).unref();
  log.debug({ event: 'worker_attached' }, 'attached to the supervisor');
  return {
    signal(name) {
      if (!process.connected) return false;
      unlisten();
      setTimeout(() => stop(name, 'refuse'), SIGNAL_WAITS_MS);
      return true;
    },
  };
}

/** How long a worker that got SIGTERM/SIGINT itself waits for the supervisor's drain before draining anyway. */
const SIGNAL_WAITS_MS = 2_000;

export interface AttachedWorker {
  /**
   * A first SIGTERM or SIGINT of the worker's own (a signal to the whole process group reaches
   * the supervisor too): stop accepting and tell the supervisor, which starts this worker's drain
   * once every worker it is stopping has stopped accepting, or at once when only this worker was
   * signalled; without word from it for SIGNAL_WAITS_MS the worker drains anyway. False when the
   * supervisor is gone (then the caller drains now).
   */
  signal(name: string): boolean;
}
