// What the admin API shows of an app. Built from the Server's view of it; secrets appear by
// binding name only, never by value or source, and nothing here reads the resolved env.
import type { AppView } from '../server/server.js';

export interface AppSummary {
  readonly name: string;
  /** running: live isolate; idle: none yet or evicted (the next request starts one); removing: draining before removal. */
  readonly status: 'running' | 'idle' | 'removing';
  readonly hostnames: readonly string[];
  readonly default: boolean;
  /** Content hash of the app's code. */
  readonly version: string;
  readonly inflight: number;
  readonly connections: number;
  /** 'admin' when an admin overlay (not the config file) defines the app now. */
  readonly source: 'config' | 'admin';
  readonly lastError: string | null;
}

export function appSummary(v: AppView, source: 'config' | 'admin'): AppSummary {
  const inst = v.instance;
  return {
    name: v.config.name,
    status: v.state === 'removing' ? 'removing' : inst.hasIsolate ? 'running' : 'idle',
    hostnames: v.config.hostnames,
    default: v.config.default,
    version: inst.code.version,
    inflight: v.inflight,
    connections: v.connections,
    source,
    lastError: v.reloadError?.message ?? inst.lastError,
  };
}

export function appDetail(v: AppView, source: 'config' | 'admin'): Record<string, unknown> {
  const inst = v.instance;
  const s = inst.settings;
  return {
    ...appSummary(v, source),
    path: v.config.path,
    entry: inst.code.entry,
    syntax: inst.code.moduleSyntax ? 'module' : 'service-worker',
    limits: { memoryMb: s.memoryMb, cpuMs: s.cpuMs, wallMs: s.wallMs, maxBodyBytes: s.maxBodyBytes, idleEvictMs: s.idleEvictMs, execution: s.execution },
    env: v.config.env,
    secrets: Object.keys(v.config.secrets),
    isolate: { live: inst.hasIsolate, execution: inst.execution, heapBytes: inst.heapBytes(), restarts: inst.restarts },
    versionInflight: inst.inflight,
    waitUntil: inst.pendingWaitUntil,
    retiring: v.retiring,
    errors: { isolate: inst.lastError, reload: v.reloadError },
  };
}
