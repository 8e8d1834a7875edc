// The supervisor's metrics, labelled by worker (its slot number, 1..N): processes up, deaths (by
// signal or exit code, with the time of the last), RSS. Served together with the workers' own
// metrics, which prom-client's AggregatorRegistry sums over the workers.
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

export interface WorkerDeath {
  readonly worker: number;
  readonly code: number | null;
  readonly signal: string | null;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly #aggregator = new AggregatorRegistry();
  readonly #deaths = new Counter({ name: 'nano_worker_deaths_total', help: 'Worker processes that died without being asked to, by worker slot and reason (the signal, or "exit N").', labelNames: ['worker', 'reason'] as const, registers: [this.registry] });
  readonly #lastDeath = new Gauge({ name: 'nano_worker_last_death_timestamp_seconds', help: 'When the worker slot last died (Unix time).', labelNames: ['worker'] as const, registers: [this.registry] });
  readonly #rss = new Gauge({ name: 'nano_worker_resident_memory_bytes', help: 'Resident memory of each worker process, as it last reported it.', labelNames: ['worker'] as const, registers: [this.registry] });
  readonly #restarts = new Counter({ name: 'nano_worker_replacements_total', help: 'Workers replaced on purpose (rolling restart, memory recycling), by reason.', labelNames: ['reason'] as const, registers: [this.registry] });

  constructor(readUp: () => number) {
    new Gauge({
      name: 'nano_workers_up',
      help: 'Worker processes running now (listening or starting).',
      registers: [this.registry],
      collect() {
        this.set(readUp());
      },
    });
  }

  died(d: WorkerDeath): void {
    const w = String(d.worker);
    this.#deaths.labels(w, d.signal ?? `exit ${d.code}`).inc();
    this.#lastDeath.labels(w).set(Date.now() / 1000);
  }

  rss(worker: number, bytes: number): void {
    this.#rss.labels(String(worker)).set(bytes);
  }

  replaced(reason: string, n = 1): void {
    this.#restarts.labels(reason).inc(n);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The workers' metrics summed over workers, then the supervisor's own. */
  async text(): Promise<string> {
    const workers = await this.#aggregator.clusterMetrics();
    return `${workers}\n${await this.registry.metrics()}`;
  }
}
