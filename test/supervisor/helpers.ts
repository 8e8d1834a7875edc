// Helpers for supervisor tests: a real `nano serve --workers N` child on port 0 serving the
// lifecycle fixtures, and the worker processes it reports in its log.
import { serve, type Served } from '../helpers/serve.js';
import { workspace, writeConfig, until } from '../helpers/lifecycle.js';

export interface Cluster extends Served {
  readonly dir: string;
  readonly config: string;
  /** Pids of the workers that logged `worker_listening`, by worker slot, latest first. */
  pids(): Map<number, number>;
}

export async function serveWorkers(workers: number, config: Record<string, unknown> = {}, args: string[] = ['--no-watch']): Promise<Cluster> {
  const dir = workspace({ gate: 'gate', plain: 'plain' });
  const file = writeConfig(dir, {
    defaults: { idleEvictMs: 0 },
    apps: [
      { name: 'gate', path: 'gate', hostnames: ['gate.test'] },
      { name: 'plain', path: 'plain', hostnames: ['plain.test'] },
    ],
    ...config,
  });
  // Three processes start (the supervisor and two workers): on a busy machine that takes a while.
  const s = await serve(['--config', file, '--workers', String(workers), ...args], {}, 60_000);
  return {
    ...s,
    dir,
    config: file,
    pids() {
      const out = new Map<number, number>();
      for (const l of s.logs) if (l.event === 'worker_listening') out.set(Number(l.worker), Number(l.pid));
      return out;
    },
  };
}

/** True while the process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export { until };
