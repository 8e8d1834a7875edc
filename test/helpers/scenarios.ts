// The three zero-failure lifecycle scenarios, shared by test/e2e/lifecycle.test.ts (which asserts
// zero) and scripts/bench/lifecycle.mjs (which reports the figures): a real `nano serve` child,
// load from this process over keep-alive connections, and real file edits or a real SIGTERM.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type Served } from './serve.js';
import { startLoad, type LoadResult } from './load.js';
import { workspace, writeAtomic, writeConfig, until, LIFECYCLE_FIXTURES } from './lifecycle.js';

export interface ScenarioOptions {
  readonly durationMs?: number;
  readonly concurrency?: number;
}

export interface Figure {
  readonly scenario: string;
  /** Requests that failed: reset, timed out, or answered with anything but success (or, for SIGTERM, a clean 503 refusal). */
  readonly failed: number;
  readonly requests: number;
  readonly ok: number;
  /** Clean refusals (503 + Connection: close, or connection refused after the listener closed). */
  readonly refused: number;
  readonly detail: Record<string, unknown>;
  readonly failures: readonly string[];
}

const GATE = readFileSync(join(LIFECYCLE_FIXTURES, 'gate/index.js'), 'utf8');

function figure(scenario: string, r: LoadResult, detail: Record<string, unknown>): Figure {
  return { scenario, failed: r.failed, requests: r.sent, ok: r.ok, refused: r.refused, detail: { ms: r.ms, byStatus: r.byStatus, errors: r.errors, ...detail }, failures: r.failures };
}

async function stopped(s: Served): Promise<void> {
  await s.stop('SIGTERM');
}

/** Edits app a's code `edits` times while load runs against it. */
/** How long the load goes on after the last code reload was applied. */
const LAST_VERSION_MS = 300;

export async function codeReloadUnderLoad(opts: ScenarioOptions & { edits?: number } = {}): Promise<Figure> {
  const duration = opts.durationMs ?? 2500;
  const edits = opts.edits ?? 3;
  const dir = workspace({ a: 'gate', b: 'plain' });
  const config = writeConfig(dir, { watch: { debounceMs: 50 }, apps: [{ name: 'a', path: 'a', hostnames: ['a.test'] }, { name: 'b', path: 'b', hostnames: ['b.test'] }] });
  const s = await serve(['--config', config]);
  try {
    // The load runs until the last version has served for a while (a busy machine can take
    // longer than `duration` to apply every edit), and at least `duration`.
    const started = performance.now();
    const load = startLoad({ port: s.port, host: 'a.test', path: '/', concurrency: opts.concurrency ?? 8, durationMs: duration + 60_000 });
    const reloads: number[] = [];
    for (let i = 1; i <= edits; i++) {
      await new Promise((r) => setTimeout(r, duration / (edits + 1) - 50));
      const since = s.logs.length;
      const t0 = performance.now();
      writeAtomic(join(dir, 'a/index.js'), GATE.replace('`gate ok ', `\`gate v${i} `));
      await until('the code reload', () => s.logs.slice(since).find((l) => l.event === 'reloaded' && Array.isArray(l.changed) && l.changed.includes('a')), 10_000);
      reloads.push(Math.round(performance.now() - t0));
    }
    await new Promise((r) => setTimeout(r, Math.max(LAST_VERSION_MS, duration - (performance.now() - started))));
    const r = await load.stop();
    return figure('code reload', r, { reloads: edits, msFromEditToSwitch: reloads, versionsSeen: Object.keys(r.bodies) });
  } finally {
    await stopped(s);
  }
}

/** Adds and removes other apps by editing the config while load runs against app a. */
export async function configReloadUnderLoad(opts: ScenarioOptions = {}): Promise<Figure> {
  const duration = opts.durationMs ?? 2500;
  const dir = workspace({ a: 'gate', b: 'plain', c: 'plain' });
  const base = { watch: { debounceMs: 50 }, apps: [{ name: 'a', path: 'a', hostnames: ['a.test'] }, { name: 'b', path: 'b', hostnames: ['b.test'], env: { NAME: 'b' } }] };
  const config = writeConfig(dir, base);
  const s = await serve(['--config', config]);
  try {
    const load = startLoad({ port: s.port, host: 'a.test', path: '/', concurrency: opts.concurrency ?? 8, durationMs: duration });
    const steps: [string, unknown[]][] = [
      ['add c', [...base.apps, { name: 'c', path: 'c', hostnames: ['c.test'], env: { NAME: 'c' } }]],
      ['remove b', [base.apps[0], { name: 'c', path: 'c', hostnames: ['c.test'], env: { NAME: 'c' } }]],
      ['add b, remove c', base.apps],
    ];
    const applied: string[] = [];
    for (const [what, apps] of steps) {
      await new Promise((r) => setTimeout(r, duration / (steps.length + 1) - 50));
      const since = s.logs.length;
      writeConfig(dir, { ...base, apps });
      const line = await until('the config reload', () => s.logs.slice(since).find((l) => l.event === 'reloaded' || l.event === 'reload_failed'), 10_000);
      applied.push(`${what}: ${String(line.msg)}`);
    }
    const r = await load.done;
    return figure('config reload (other apps added/removed)', r, { reloads: steps.length, applied });
  } finally {
    await stopped(s);
  }
}

/**
 * SIGTERM while requests (each ~20 ms in the app) are in flight. By default the load stops at the
 * signal, as behind a load balancer that saw /readyz fail; with `keepSending` clients go on for
 * another 500 ms and must meet only clean refusals (503 + Connection: close, or a refused
 * connection), never a reset or a cut response.
 */
export async function sigtermUnderLoad(opts: ScenarioOptions & { keepSending?: boolean } = {}): Promise<Figure & { exitCode: number | null }> {
  const dir = workspace({ a: 'gate' });
  const config = writeConfig(dir, { apps: [{ name: 'a', path: 'a', hostnames: ['a.test'] }] });
  const s = await serve(['--config', config, '--no-watch']);
  const load = startLoad({ port: s.port, host: 'a.test', path: '/sleep?ms=20', concurrency: opts.concurrency ?? 16, durationMs: 30_000 });
  await new Promise((r) => setTimeout(r, opts.durationMs ?? 1000));
  const inFlight = load.active();
  const exited = s.stop('SIGTERM');
  if (opts.keepSending === true) setTimeout(() => load.halt(), 500);
  else load.halt();
  const r = await load.done;
  const { code } = await exited;
  const drained = s.logs.find((l) => l.event === 'drained' || l.event === 'drain_cut');
  const name = opts.keepSending === true ? 'SIGTERM drain, clients keep sending' : 'SIGTERM drain';
  return { ...figure(name, r, { inFlightAtSignal: inFlight, drainMs: drained?.ms, exitCode: code }), exitCode: code };
}
