// The IPC messages between the supervisor and its worker processes (node:cluster's channel). Every
// message is a plain object with `nano` naming its kind; anything else on the channel (prom-client's
// metric requests) is not ours and is ignored by both sides.

import type { Overlay } from '../reload/source.js';

/** The admin overlays in force, as sent over IPC (a Map does not survive JSON). */
export type OverlayList = readonly (readonly [string, Overlay])[];

/** Worker → supervisor. */
export type FromWorker =
  /** Started, before building any app: asks for the admin changes in force (answered by `state`). */
  | { readonly nano: 'hello' }
  /** The answer to `overlays`: applied (with the admin views the API answers with), or refused. */
  | { readonly nano: 'applied'; readonly id: number; readonly ok: true; readonly result: Readonly<Record<string, unknown>> }
  | { readonly nano: 'applied'; readonly id: number; readonly ok: false; readonly code: string; readonly problems: readonly string[] }
  /** Listening and serving: the bound address and the files its apps' reloads depend on. */
  | { readonly nano: 'ready'; readonly port: number; readonly host: string; readonly apps: readonly string[]; readonly watched: readonly string[] }
  /** The last app a request was routed to changed (sent at most every TRACE_EVERY_MS). */
  | { readonly nano: 'app'; readonly app: string }
  /** A reload asked for by the supervisor ended; `watched` is the new set of files to watch. */
  | { readonly nano: 'reloaded'; readonly ok: boolean; readonly watched: readonly string[] }
  /** The listener is closed (after `unlisten`, or on a signal of its own); requests are still served. */
  | { readonly nano: 'unlistened' }
  /** Periodic: resident memory, for `recycle.maxRssMb` and the per-worker RSS gauge. */
  | { readonly nano: 'stats'; readonly rss: number }
  /** The answer to `apps`: the admin views of every app, or of the one named (empty when none). */
  | { readonly nano: 'apps'; readonly id: number; readonly apps: readonly AppView[] };

/** An app as the admin API shows it (src/admin/views.ts), as far as merging needs to know. */
export interface AppView {
  readonly name: string;
  readonly status: string;
  readonly inflight: number;
  readonly connections: number;
}

/** Supervisor → worker. */
export type ToWorker =
  /** The answer to `hello`: the admin changes the worker's apps start with. */
  | { readonly nano: 'state'; readonly overlays: OverlayList }
  /**
   * Run exactly these admin changes (validated by the supervisor). `app` names the app the
   * change is about, whose view the answer carries; `remove` waits for its drain.
   */
  | { readonly nano: 'overlays'; readonly id: number; readonly trigger: string; readonly overlays: OverlayList; readonly app: string; readonly remove: boolean }
  /** Re-read the config (already validated by the supervisor) and app code. */
  | { readonly nano: 'reload'; readonly trigger: string; readonly changedPaths?: readonly string[]; readonly discardOverlays?: boolean }
  /**
   * Stop accepting, keep serving (Server.stopAccepting): the first step of a shutdown. The drain,
   * whose answers close connections, starts only once no worker accepts, so no client reconnects
   * into a connection node:cluster's primary queued for a worker that stopped listening.
   */
  | { readonly nano: 'unlisten' }
  /** Drain and exit: 'refuse' for shutdown (503 to new requests), 'handoff' when replaced (serve them, closing connections). */
  | { readonly nano: 'drain'; readonly mode: 'refuse' | 'handoff' }
  /** Send the admin views of the apps (`name` null: every app, summaries; else that app in detail). */
  | { readonly nano: 'apps'; readonly id: number; readonly name: string | null };

/** How often a worker may report a change of its last app (a crash loses at most this much history). */
export const TRACE_EVERY_MS = 50;
/** How often a worker reports its RSS. */
export const STATS_EVERY_MS = 5_000;

/** Environment variables the supervisor sets for each worker. */
export const WORKER_ENV = {
  /** The worker's slot number, 1..N: stable across replacements, the `worker` label of metrics. */
  index: 'NANO_WORKER',
  /** The supervisor's admin port, which apps may not fetch; empty when the admin API is off. */
  adminPort: 'NANO_WORKER_ADMIN_PORT',
  /** "1" when the supervisor's admin API reads the workers' metrics. */
  metrics: 'NANO_WORKER_METRICS',
} as const;

export function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && typeof (m as { nano?: unknown }).nano === 'string';
}

export function isToWorker(m: unknown): m is ToWorker {
  return typeof m === 'object' && m !== null && ['state', 'overlays', 'reload', 'unlisten', 'drain', 'apps'].includes((m as { nano?: unknown }).nano as string);
}
