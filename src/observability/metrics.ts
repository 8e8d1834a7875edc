// Prometheus metrics (prom-client) fed by the Hooks the core calls, served as text on the admin
// listener's /metrics. Labels are app names, statuses and reasons only (never env or secrets);
// per-app series handles are cached so the request path does no label hashing.
import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Hooks } from './hooks.js';

/** What the metrics read at scrape time: the apps and their isolates' heaps. */
export interface MetricsSource {
  listApps(): readonly { readonly instance: { readonly settings: { readonly name: string }; heapBytes(): number } }[];
}

interface AppSeries {
  readonly duration: { observe(v: number): void };
  readonly inflight: { inc(): void; dec(): void };
  readonly active: { inc(): void; dec(): void };
  readonly cpu: { inc(v: number): void };
  readonly byStatus: Map<number, { inc(): void }>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics implements Hooks {
  readonly registry = new Registry();
  #source: MetricsSource | null = null;
  readonly #series = new Map<string, AppSeries>();
  readonly #requests = new Counter({ name: 'nano_requests_total', help: 'HTTP requests routed to an app, by response status ("aborted": the connection closed before the response completed).', labelNames: ['app', 'status'] as const, registers: [this.registry] });
  readonly #duration = new Histogram({ name: 'nano_request_duration_seconds', help: 'Time from routing a request to the end of its response (streaming responses included).', labelNames: ['app'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly #inflight = new Gauge({ name: 'nano_requests_in_flight', help: 'HTTP requests of an app in flight now, over all its versions.', labelNames: ['app'] as const, registers: [this.registry] });
  readonly #active = new Gauge({ name: 'nano_isolate_requests_active', help: 'Requests dispatched into an app\'s isolate and not finished.', labelNames: ['app'] as const, registers: [this.registry] });
  readonly #cpu = new Counter({ name: 'nano_cpu_seconds_total', help: 'Time spent inside an app\'s isolate (isolated-vm measures wall time of each entry).', labelNames: ['app'] as const, registers: [this.registry] });
  readonly #restarts = new Counter({ name: 'nano_isolate_restarts_total', help: 'Isolates disposed and rebuilt, by reason (cpu, memory).', labelNames: ['app', 'reason'] as const, registers: [this.registry] });
  readonly #evictions = new Counter({ name: 'nano_isolate_evictions_total', help: 'Isolates disposed after defaults.idleEvictMs without requests.', labelNames: ['app'] as const, registers: [this.registry] });
  readonly #compactions = new Counter({ name: 'nano_isolate_compactions_total', help: 'Memory-reducing GCs of an isolate that went idle (once per isolate, if it served fewer than 50 requests).', labelNames: ['app'] as const, registers: [this.registry] });
  readonly #starts = new Counter({ name: 'nano_isolate_starts_total', help: 'Isolates created and loaded with the app\'s code.', labelNames: ['app'] as const, registers: [this.registry] });
  readonly #startTime = new Histogram({ name: 'nano_isolate_start_seconds', help: 'Time to create an isolate and load an app into it.', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers: [this.registry] });
  readonly #reloads = new Counter({ name: 'nano_reloads_total', help: 'Reload attempts, by result (ok, failed) and trigger (watch, signal, admin, …).', labelNames: ['result', 'trigger'] as const, registers: [this.registry] });
  readonly #cut = new Counter({ name: 'nano_drain_cut_total', help: 'Requests and waitUntil tasks cut because a drain reached its deadline.', labelNames: ['app'] as const, registers: [this.registry] });

  readonly #logDropped = new Counter({ name: 'nano_log_lines_dropped_total', help: 'Console lines of an app dropped by its log rate limit (limits.logLinesPerSec, limits.logBytesPerSec).', labelNames: ['app'] as const, registers: [this.registry] });

  readonly #hostLimits = new Counter({ name: 'nano_host_limit_hits_total', help: 'Host calls of an app refused by a per-app or process-wide bound (crypto.waiting, zlib.streams), by bound.', labelNames: ['app', 'limit'] as const, registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const source = (): MetricsSource | null => this.#source;
    new Gauge({
      name: 'nano_isolate_heap_bytes',
      help: 'V8 heap used by an app\'s live isolate (0 when it has none).',
      labelNames: ['app'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const a of source()?.listApps() ?? []) this.set({ app: a.instance.settings.name }, a.instance.heapBytes());
      },
    });
    new Gauge({
      name: 'nano_apps',
      help: 'Apps configured (including removed apps still draining).',
      registers: [this.registry],
      collect() {
        this.set(source()?.listApps().length ?? 0);
      },
    });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Where scrape-time values (heap, app count) come from; the Server. */
  attach(source: MetricsSource): void {
    this.#source = source;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  #app(app: string): AppSeries {
    let s = this.#series.get(app);
    if (s === undefined) {
      s = { duration: this.#duration.labels(app), inflight: this.#inflight.labels(app), active: this.#active.labels(app), cpu: this.#cpu.labels(app), byStatus: new Map() };
      this.#series.set(app, s);
    }
    return s;
  }

  // --- Hooks ---
  isolateCreated(app: string, ms: number): void {
    this.#starts.labels(app).inc();
    this.#startTime.observe(ms / 1000);
  }
  requestStart(app: string): void {
    this.#app(app).active.inc();
  }
  responseStart(): void {
    // Statuses are counted at the HTTP level (requestDone), which also sees refused requests.
  }
  requestEnd(app: string): void {
    this.#app(app).active.dec();
  }
  cpu(app: string, ms: number): void {
    this.#app(app).cpu.inc(ms / 1000);
  }
  restart(app: string, reason: string): void {
    this.#restarts.labels(app, reason).inc();
  }
  evicted(app: string): void {
    this.#evictions.labels(app).inc();
  }
  compacted(app: string): void {
    this.#compactions.labels(app).inc();
  }
  requestReceived(app: string): void {
    this.#app(app).inflight.inc();
  }
  requestDone(app: string, status: number, ms: number): void {
    const s = this.#app(app);
    s.inflight.dec();
    s.duration.observe(ms / 1000);
    let c = s.byStatus.get(status);
    if (c === undefined) {
      c = this.#requests.labels(app, status === 0 ? 'aborted' : String(status));
      s.byStatus.set(status, c);
    }
    c.inc();
  }
  reload(result: 'ok' | 'failed', trigger: string): void {
    this.#reloads.labels(result, trigger).inc();
  }
  drainCut(app: string, cut: number): void {
    this.#cut.labels(app).inc(cut);
  }
  logDropped(app: string, lines: number): void {
    this.#logDropped.labels(app).inc(lines);
  }
  hostLimit(app: string, limit: string, hits: number): void {
    this.#hostLimits.labels(app, limit).inc(hits);
  }
}
