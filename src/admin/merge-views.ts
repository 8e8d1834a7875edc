// One view of the apps over several worker processes (the supervisor's GET /admin/apps): each
// app once, with its in-flight requests and connections summed over the workers and the
// per-worker figures beside them. Pure data: the supervisor collects each worker's views.
import type { AppSummary } from './views.js';

export interface WorkerApps<T> {
  readonly worker: number;
  readonly apps: readonly T[];
}

type Summed = { readonly name: string; readonly status: string; readonly inflight: number; readonly connections: number };

/** Merges each worker's list (or single app, as a one-element list) by app name, first worker's fields first. */
export function mergeAppViews<T extends Summed = AppSummary>(perWorker: readonly WorkerApps<T>[]): (T & { workers: { worker: number; status: string; inflight: number; connections: number }[] })[] {
  const byName = new Map<string, T & { workers: { worker: number; status: string; inflight: number; connections: number }[] }>();
  for (const { worker, apps } of [...perWorker].sort((a, b) => a.worker - b.worker)) {
    for (const a of apps) {
      const one = { worker, status: a.status, inflight: a.inflight, connections: a.connections };
      const seen = byName.get(a.name);
      if (seen === undefined) {
        byName.set(a.name, { ...a, workers: [one] });
        continue;
      }
      // Running in any worker is running; the counts add up.
      const status = seen.status === 'running' || a.status === 'running' ? 'running' : seen.status;
      byName.set(a.name, { ...seen, status, inflight: seen.inflight + a.inflight, connections: seen.connections + a.connections, workers: [...seen.workers, one] });
    }
  }
  return [...byName.values()];
}
