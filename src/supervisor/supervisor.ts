// The supervisor (node:cluster primary): starts N worker processes serving one port, replaces a
// worker that dies (at once, with backoff when it keeps dying), replaces them one at a time on a
// rolling restart (each new one ready before the old one drains) and drains them all on shutdown.
// It holds no apps; the workers are ordinary `nano serve` processes (src/cli/worker.ts).
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../observability/logger.js';
import { isFromWorker, WORKER_ENV, type AppView, type FromWorker, type ToWorker } from './messages.js';
import { restartDelay } from './backoff.js';

export interface ReadyInfo {
  readonly port: number;
  readonly host: string;
  readonly apps: readonly string[];
  readonly watched: readonly string[];
}

/** A worker that died without being asked to: what the log line and /metrics say. */
export interface Death {
  readonly worker: number;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: string | null;
  /**
   * The app the worker last routed a request to, as reported (a change at most every
   * TRACE_EVERY_MS); not necessarily the app whose code ran when it died. Null: no request yet.
   */
  readonly lastApp: string | null;
  readonly at: string;
  readonly uptimeMs: number;
  /** When the replacement starts: 0 is at once; more when the slot keeps dying (backoff). */
  readonly restartInMs: number;
}

export interface WorkerView {
  readonly worker: number;
  readonly pid: number;
  readonly state: Proc['state'];
  readonly startedAt: string;
  readonly rssBytes: number | null;
  readonly lastApp: string | null;
  readonly deaths: number;
}

export interface SupervisorOptions {
  readonly count: number;
  readonly log: Logger;
  /** Environment every worker gets on top of the supervisor's own. */
  readonly env: Readonly<Record<string, string>>;
  /** How long one worker's drain may take before it is killed (server.drainTimeoutMs plus a margin). */
  readonly killAfterMs: number;
  readonly onDeath?: (d: Death) => void;
  /** The answer to a starting worker's `hello` (the admin changes in force). */
  readonly greet?: () => Promise<ToWorker>;
  /** Every message a worker sends, after the supervisor's own handling. */
  readonly onMessage?: (worker: number, m: FromWorker) => void;
}

interface Proc {
  readonly slot: Slot;
  readonly worker: Worker;
  readonly startedAt: number;
  state: 'starting' | 'ready' | 'draining';
  /** It was answered `hello`: it builds its apps from that state (see settle()). */
  greeted: boolean;
  lastApp: string | null;
  rss: number | null;
  readonly ready: Promise<ReadyInfo>;
  /** Resolves when the worker says its listener is closed (`unlistened`). */
  readonly unlistened: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
}

interface Slot {
  readonly index: number;
  current: Proc | null;
  /** Deaths in a row, each soon after its start (see backoff.ts). */
  quickDeaths: number;
  deaths: number;
  respawn: NodeJS.Timeout | undefined;
}

/** A new worker that is not listening after this long is given up (start or rolling restart). */
const READY_TIMEOUT_MS = 60_000;
/** At shutdown, how long the drain waits for every worker to have stopped accepting. */
const UNLISTEN_TIMEOUT_MS = 2_000;
/**
 * A worker that stopped accepting on a signal of its own starts its drain after this long, unless
 * the supervisor's shutdown (the same signal sent to the process group) takes over the order.
 */
const ALONE_AFTER_MS = 100;

export class Supervisor {
  readonly #opts: SupervisorOptions;
  readonly #slots: Slot[];
  readonly #live = new Set<Proc>();
  #port: number | null = null;
  #stopping = false;
  /** Until start() resolves, a worker that exits is a failed start, not a death to replace. */
  #started = false;
  #restarting: Promise<void> | null = null;
  #asked = 0;
  readonly #answers = new Map<number, (worker: number, m: FromWorker) => void>();

  constructor(opts: SupervisorOptions) {
    this.#opts = opts;
    this.#slots = Array.from({ length: opts.count }, (_, i) => ({ index: i + 1, current: null, quickDeaths: 0, deaths: 0, respawn: undefined }));
  }

  /** Starts every worker; resolves when all listen, rejects (after stopping the rest) if one fails first. */
  async start(): Promise<ReadyInfo> {
    const procs = this.#slots.map((s) => this.#fork(s));
    try {
      const infos = await Promise.all(procs.map((p) => p.ready));
      this.#started = true;
      return infos[0] as ReadyInfo;
    } catch (err) {
      this.#stopping = true;
      for (const p of this.#live) p.worker.process.kill('SIGKILL');
      throw err;
    }
  }

  #fork(slot: Slot): Proc {
    // Every worker listens with the configured port, also 0: node:cluster gives them one shared
    // listener, so `--port 0` is one port for all of them while any of them listens.
    const worker = cluster.fork({ ...this.#opts.env, [WORKER_ENV.index]: String(slot.index) });
    let onReady!: (i: ReadyInfo) => void;
    let onFail!: (e: Error) => void;
    const ready = new Promise<ReadyInfo>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    ready.catch(() => {});
    let onUnlistened!: () => void;
    const unlistened = new Promise<void>((resolve) => (onUnlistened = resolve));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => worker.once('exit', (code, signal) => resolve({ code, signal })));
    const proc: Proc = { slot, worker, startedAt: Date.now(), state: 'starting', greeted: false, lastApp: null, rss: null, ready, unlistened, exited };
    slot.current = proc;
    this.#live.add(proc);
    const timer = setTimeout(() => onFail(new Error(`worker ${slot.index} did not start listening within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    worker.on('message', (m: unknown) => {
      if (!isFromWorker(m)) return;
      if (m.nano === 'ready') {
        clearTimeout(timer);
        if (this.#port !== null && m.port !== this.#port) this.#opts.log.warn({ event: 'port_changed', worker: slot.index, from: this.#port, to: m.port }, `worker ${slot.index} listens on port ${m.port}, not ${this.#port}: every worker had stopped and the configured port is 0`);
        this.#port = m.port;
        if (proc.state === 'starting') proc.state = 'ready';
        onReady({ port: m.port, host: m.host, apps: m.apps, watched: m.watched });
      } else if (m.nano === 'app') proc.lastApp = m.app;
      else if (m.nano === 'stats') proc.rss = m.rss;
      else if (m.nano === 'unlistened') {
        onUnlistened();
        if (!this.#stopping) setTimeout(() => this.#drainAlone(proc), ALONE_AFTER_MS);
      }
      else if (m.nano === 'apps' || m.nano === 'applied') this.#answers.get(m.id)?.(slot.index, m);
      else if (m.nano === 'hello') void this.#greet(proc);
      this.#opts.onMessage?.(slot.index, m);
    });
    worker.once('exit', (code, signal) => {
      clearTimeout(timer);
      this.#live.delete(proc);
      onFail(new Error(`worker ${slot.index} exited before listening (${signal ?? `exit code ${code}`}); its error is above`));
      this.#exited(proc, code, signal);
    });
    return proc;
  }

  #exited(proc: Proc, code: number | null, signal: string | null): void {
    const slot = proc.slot;
    const expected = proc.state === 'draining' || this.#stopping;
    if (slot.current === proc) slot.current = null;
    if (expected || !this.#started) return;
    const uptimeMs = Date.now() - proc.startedAt;
    slot.deaths++;
    const restartInMs = slot.current !== null ? -1 : restartDelay(slot, uptimeMs);
    const death: Death = { worker: slot.index, pid: proc.worker.process.pid ?? 0, code, signal, lastApp: proc.lastApp, at: new Date().toISOString(), uptimeMs, restartInMs: Math.max(0, restartInMs) };
    const why = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
    const last = proc.lastApp === null ? '' : `; last app: ${proc.lastApp}`;
    const next = restartInMs < 0 ? 'its replacement is already running' : restartInMs === 0 ? 'replacing it now' : `replacing it in ${restartInMs} ms (it keeps dying)`;
    this.#opts.log.error({ event: 'worker_died', ...death }, `worker ${slot.index} (pid ${death.pid}) died: ${why}${last}; ${next}`);
    this.#opts.onDeath?.(death);
    if (restartInMs < 0) return;
    slot.respawn = setTimeout(() => {
      slot.respawn = undefined;
      if (this.#stopping || slot.current !== null) return;
      const p = this.#fork(slot);
      void p.ready.then(
        () => this.#opts.log.info({ event: 'worker_replaced', worker: slot.index, pid: p.worker.process.pid, ms: Date.now() - proc.startedAt - uptimeMs }, `worker ${slot.index} is back (pid ${p.worker.process.pid})`),
        () => {},
      );
    }, restartInMs);
  }

  /**
   * Rolling restart: each worker in turn gets a replacement, which must be listening before the
   * old one drains in hand-off mode (requests on its open connections are still served). One
   * restart at a time; a second call while one runs joins it.
   */
  restart(reason: string): Promise<void> {
    this.#restarting ??= (async () => {
      const start = Date.now();
      this.#opts.log.info({ event: 'rolling_restart', reason, workers: this.#slots.length }, `${reason}: replacing ${this.#slots.length} workers one at a time`);
      let replaced = 0;
      for (const slot of this.#slots) {
        if (this.#stopping) break;
        if (await this.replace(slot.index)) replaced++;
        else break;
      }
      this.#opts.log.info({ event: 'rolling_restart_done', reason, replaced, ms: Date.now() - start }, `${reason}: ${replaced} of ${this.#slots.length} workers replaced`);
    })().finally(() => (this.#restarting = null));
    return this.#restarting;
  }

  /** Replaces one worker: the new one listens first, then the old one hands off and exits. False if the new one failed. */
  async replace(index: number): Promise<boolean> {
    const slot = this.#slots[index - 1];
    if (slot === undefined || this.#stopping) return false;
    const old = slot.current;
    const fresh = this.#fork(slot);
    try {
      await fresh.ready;
    } catch (err) {
      this.#opts.log.error({ event: 'replace_failed', worker: index, err: (err as Error).message }, `worker ${index}: its replacement did not start, the old one keeps serving: ${(err as Error).message}`);
      fresh.state = 'draining';
      fresh.worker.process.kill('SIGKILL');
      slot.current = old;
      return false;
    }
    if (old !== null && old.worker.isConnected()) {
      this.#drainProc(old, 'handoff');
      await old.exited;
    }
    return true;
  }

  /** A worker signalled on its own (not by a shutdown): it drains, exits and is replaced like any death. */
  #drainAlone(p: Proc): void {
    if (this.#stopping || p.state === 'draining' || !p.worker.isConnected()) return;
    p.worker.send({ nano: 'drain', mode: 'refuse' } satisfies ToWorker);
  }

  #drainProc(p: Proc, mode: 'refuse' | 'handoff'): void {
    p.state = 'draining';
    const msg: ToWorker = { nano: 'drain', mode };
    if (p.worker.isConnected()) p.worker.send(msg);
    const kill = setTimeout(() => p.worker.process.kill('SIGKILL'), this.#opts.killAfterMs);
    void p.exited.then(() => clearTimeout(kill));
  }

  /** Sends a message to every worker that is listening or starting. */
  broadcast(m: ToWorker): void {
    for (const p of this.#live) if (p.state !== 'draining' && p.worker.isConnected()) p.worker.send(m);
  }

  async #greet(proc: Proc): Promise<void> {
    const answer = await (this.#opts.greet?.() ?? Promise.resolve<ToWorker>({ nano: 'state', overlays: [] }));
    proc.greeted = true;
    if (proc.worker.isConnected()) proc.worker.send(answer);
  }

  /** Asks every listening worker for its admin views of the apps; a worker that does not answer within a second is left out. */
  async apps(name: string | null): Promise<{ worker: number; apps: readonly AppView[] }[]> {
    const answers = await this.request(this.serving(), (id) => ({ nano: 'apps', id, name }), 1000);
    return answers.flatMap(({ worker, answer }) => (answer.nano === 'apps' ? [{ worker, apps: answer.apps }] : []));
  }

  /** The slots whose worker is listening and serving now. */
  serving(): number[] {
    return [...this.#live].filter((p) => p.state === 'ready' && p.worker.isConnected()).map((p) => p.slot.index);
  }

  /**
   * Sends each of `workers` (slots) a request made with a fresh id and collects the answers
   * carrying that id; a worker that does not answer within `timeoutMs` (or exits) is left out.
   */
  async request(workers: readonly number[], make: (id: number) => ToWorker, timeoutMs: number): Promise<{ worker: number; answer: FromWorker }[]> {
    const id = ++this.#asked;
    const procs = [...this.#live].filter((p) => workers.includes(p.slot.index) && p.state !== 'draining' && p.worker.isConnected());
    const out: { worker: number; answer: FromWorker }[] = [];
    let expected = procs.length;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const check = (): void => {
        if (out.length < expected) return;
        clearTimeout(timer);
        resolve();
      };
      this.#answers.set(id, (worker, answer) => {
        out.push({ worker, answer });
        check();
      });
      check();
      for (const p of procs) {
        p.worker.send(make(id));
        void p.exited.then(() => {
          if (!out.some((o) => o.worker === p.slot.index)) expected--;
          check();
        });
      }
    });
    this.#answers.delete(id);
    return out;
  }

  /** Resolves when every worker that already took its start state is listening (or gone). */
  async settle(): Promise<void> {
    await Promise.all([...this.#live].filter((p) => p.state === 'starting' && p.greeted).map((p) => p.ready.catch(() => undefined)));
  }

  /** Drains every worker (503 to new requests); resolves with 0 when each exited 0, else 1. */
  async shutdown(): Promise<number> {
    this.#stopping = true;
    for (const s of this.#slots) clearTimeout(s.respawn);
    // A worker still starting holds no requests and cannot hear the drain message yet: it just stops.
    const starting = [...this.#live].filter((p) => p.state === 'starting');
    const serving = [...this.#live].filter((p) => p.state !== 'starting');
    for (const p of starting) {
      p.state = 'draining';
      p.worker.process.kill('SIGKILL');
    }
    // Every worker stops accepting first; only then do the drains' answers close connections. A
    // client whose connection closes reconnects at once: while any worker still listened, the
    // primary would accept that connection and queue it for a worker, and node:cluster closes the
    // queued ones unanswered when the last worker stops listening. Once none listens, the port is
    // closed and a reconnect is refused cleanly (ECONNREFUSED, which a client can retry elsewhere).
    for (const p of serving) if (p.worker.isConnected()) p.worker.send({ nano: 'unlisten' } satisfies ToWorker);
    let wait: NodeJS.Timeout | undefined;
    const unlistened = Promise.all(serving.map((p) => Promise.race([p.unlistened, p.exited])));
    const start = Date.now();
    const all = await Promise.race([unlistened.then(() => true), new Promise<false>((resolve) => (wait = setTimeout(() => resolve(false), UNLISTEN_TIMEOUT_MS)))]);
    clearTimeout(wait);
    if (all) this.#opts.log.info({ event: 'workers_unlistened', workers: serving.length, ms: Date.now() - start }, 'every worker stopped accepting; draining them');
    else this.#opts.log.warn({ event: 'workers_unlistened', workers: serving.length, ms: Date.now() - start, timedOut: true }, `not every worker said it stopped accepting within ${UNLISTEN_TIMEOUT_MS} ms; draining them anyway`);
    for (const p of serving) this.#drainProc(p, 'refuse');
    const results = await Promise.all(serving.map((p) => p.exited));
    await Promise.all(starting.map((p) => p.exited));
    return results.every((r) => r.code === 0) ? 0 : 1;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Each slot's current worker (and workers still handing off), for the admin API. */
  workers(): WorkerView[] {
    return [...this.#live].map((p) => ({
      worker: p.slot.index,
      pid: p.worker.process.pid ?? 0,
      state: p.state,
      startedAt: new Date(p.startedAt).toISOString(),
      rssBytes: p.rss,
      lastApp: p.lastApp,
      deaths: p.slot.deaths,
    }));
  }
}
