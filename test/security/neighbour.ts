// Shared harness of the attack tests: one real `nano serve` with a healthy neighbour app beside
// the attacker apps, and a probe that keeps requesting the neighbour while an attack runs.
import { join } from 'node:path';
import { serve, fetchRaw, tempTree, type Served } from '../helpers/serve.js';

export const NEIGHBOUR = 'export default { fetch: (r) => new Response("ok " + new URL(r.url).pathname) };';

/** Serves the given attacker apps (name → index.js) and the neighbour app "good" (host good.test). */
export async function serveWithNeighbour(apps: Record<string, string>, limits: Record<string, Record<string, unknown>> = {}, defaults: Record<string, unknown> = {}): Promise<Served> {
  const files: Record<string, string> = { 'good/index.js': NEIGHBOUR };
  const config = [{ name: 'good', path: './good', hostnames: ['good.test'] }] as object[];
  for (const [name, code] of Object.entries(apps)) {
    files[`${name}/index.js`] = code;
    config.push({ name, path: `./${name}`, hostnames: [`${name}.test`], limits: limits[name] ?? {} });
  }
  files['nano.json'] = JSON.stringify({ defaults: { idleEvictMs: 0, ...defaults }, apps: config });
  const dir = tempTree(files);
  return serve(['--config', join(dir, 'nano.json'), '--no-watch']);
}

export interface Probe {
  /** Stops probing; resolves with every latency (ms) and the failures seen. */
  stop(): Promise<{ latencies: number[]; failures: string[] }>;
}

/** Requests the neighbour back to back (one at a time) until stopped, checking every answer. */
export function probeNeighbour(s: Served): Probe {
  const latencies: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async (): Promise<void> => {
    let i = 0;
    while (running) {
      const path = `/p${i++}`;
      const started = performance.now();
      try {
        const r = await fetchRaw(s.port, path, { host: 'good.test' });
        latencies.push(performance.now() - started);
        if (r.status !== 200 || r.text !== `ok ${path}`) failures.push(`${r.status} ${r.text.slice(0, 80)}`);
      } catch (err) {
        failures.push(String(err));
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { latencies, failures };
    },
  };
}

/** The server process is still running and the neighbour answers. */
export async function neighbourAlive(s: Served): Promise<boolean> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return false;
  const r = await fetchRaw(s.port, '/after', { host: 'good.test' });
  return r.status === 200 && r.text === 'ok /after';
}

export function errorCode(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
