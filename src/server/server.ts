// The NANO server: wires config, virtual hosts, app instances and the HTTP listener. It knows
// nothing of argv, signals, files or the admin API; `reconfigure` is the one path for every
// config change, and `drain` the one shutdown routine (the CLI, the reloader and tests call them).
import { createServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import { sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { APP_LIMIT_DEFAULTS, type Config, type AppConfig } from '../config/schema.js';
import { VhostTable, type VhostRoute } from '../vhost/table.js';
import { AppInstance } from '../isolates/app-instance.js';
import { COMPACT_CONCURRENCY, IDLE_COMPACT_MS } from '../isolates/compaction.js';
import type { AppSettings } from '../isolates/app-settings.js';
import { sendError, setRequestScheme } from '../isolates/http-reply.js';
import { readEdge, trustList, CLIENT_IP_HEADER } from './edge.js';
import { noteIsolatesCompacted } from '../isolates/memory-release.js';
import { loadApp, applyProject, type LoadedApp } from '../project/load.js';
import { resolveEnv } from '../env/resolve.js';
import type { Logger } from '../observability/logger.js';
import { capWasmMemory } from '../host-calls/guest-limits.js';
import { noopHooks, type Hooks } from '../observability/hooks.js';
import { NanoError, type ErrorCode } from '../errors/registry.js';
import { TrafficTracker } from '../drain/tracker.js';
import { ConnectionWatch } from '../drain/connections.js';
import { drain, type CutApp, type DrainOutcome } from '../drain/drain.js';
import { Mutex } from './mutex.js';
import { protectEndpoint, parseAllowEntry, type ServiceDispatch } from '../host-calls/fetch.js';
import { countLoopHops } from '../host-calls/cdn-loop.js';
import { ServiceExchange, placeEdgeHeader, placeRpcHeader } from './service-exchange.js';
import { forwardToOrigin } from './origin-pass.js';

export interface ServerOptions {
  readonly logger: Logger;
  readonly hooks?: Hooks;
}

export interface DrainResult {
  /** Requests (or waitUntil tasks) still running when the deadline passed. */
  readonly cut: number;
  readonly ms: number;
  readonly ended: 'idle' | 'deadline';
  /** Per app, what was cut (empty when the drain ended idle). */
  readonly apps: readonly CutApp[];
}

/** One reason a new config could not be applied, for one app. */
export interface AppProblem {
  readonly app: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/** A config that cannot be applied: nothing changed, the running version keeps serving. */
export class ReloadError extends NanoError {
  readonly problems: readonly AppProblem[];
  constructor(problems: AppProblem[]) {
    const first = problems[0];
    super(first?.code ?? 'NANO_ERR_INTERNAL', problems.map(formatAppProblem).join('\n'));
    this.name = 'ReloadError';
    this.problems = problems;
  }
}

export function formatAppProblem(p: AppProblem): string {
  return p.message.startsWith(`app "${p.app}"`) ? p.message : `app "${p.app}": ${p.message}`;
}

export interface ReconfigureReport {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  readonly unchanged: readonly string[];
  /** Resolves when the replaced and removed versions have drained and been disposed. */
  readonly retired: Promise<readonly DrainOutcome[]>;
}

/** What the admin API shows of an app: never its env values' secrets (the view layer picks). */
export interface AppView {
  readonly config: AppConfig;
  readonly instance: AppInstance;
  /** 'serving', or 'removing' while a removed app drains (its new requests get 503). */
  readonly state: 'serving' | 'removing';
  /** HTTP requests in flight for this app name, over all its versions. */
  readonly inflight: number;
  readonly connections: number;
  /** Older versions still draining after a reload. */
  readonly retiring: readonly { version: string; inflight: number }[];
  /** The last reload that could not apply a new version of this app, until one succeeds. */
  readonly reloadError: { readonly message: string; readonly at: string } | null;
}

export class Server {
  readonly #log: Logger;
  /** Lifts the fetch() protection of this server's listeners (see start()). */
  readonly #unprotect: (() => void)[] = [];
  readonly #hooks: Hooks;
  readonly #mutex = new Mutex();
  readonly #tracker = new TrafficTracker();
  #config: Config | null = null;
  #apps = new Map<string, AppInstance>();
  #appConfigs = new Map<string, AppConfig>();
  /** Removed apps while they drain: still routed (so their requests get 503, not another app). */
  readonly #removing = new Map<AppInstance, AppConfig>();
  /** Every replaced or removed version still draining. */
  readonly #retiring = new Set<AppInstance>();
  readonly #reloadErrors = new Map<string, { message: string; at: string }>();
  /** Per app name: the last wrangler-field warning logged, and the build's files to watch. */
  readonly #projectWarnings = new Map<string, string>();
  readonly #projectWatch = new Map<string, readonly string[]>();
  /** What each app loaded last, with the config fields it was loaded with (#unchangedLoad). */
  readonly #loaded = new Map<string, { path: string; entry: string | undefined; wranglerEnv: string | undefined; devVars: boolean; loaded: LoadedApp }>();
  #vhosts = new VhostTable<AppInstance>([]);
  #http: HttpServer | null = null;
  #connections: ConnectionWatch | null = null;
  #draining = false;
  /** A hand-off drain (see drain()): requests on open connections are still served. */
  #handoff = false;
  #drainDone: Promise<DrainResult> | null = null;
  /** stopAccepting() ran: readiness fails, requests are still served until drain(). */
  #unready = false;
  #listenerClosed: Promise<void> | null = null;
  #shutdownStarted: () => void = () => {};
  readonly #shutdown = new Promise<void>((resolve) => (this.#shutdownStarted = resolve));
  #sweeper: NodeJS.Timeout | undefined;
  #compactTimer: NodeJS.Timeout | undefined;
  /** The compaction passes running now (#compactIdle), which a drain waits for. */
  #compacting: Promise<void> | null = null;
  /** A compaction pass was asked for while one ran: run another when it ends. */
  #compactAgain = false;
  /** Peers whose Forwarded / X-Forwarded-* headers are believed (server.trustedProxies, set at start); null when none (nothing to check). */
  #trust: ReturnType<typeof trustList> | null = null;
  /** server.forwardedHeader is "forwarded" (RFC 7239) rather than X-Forwarded-For. */
  #useForwarded = false;

  readonly #services = new ServiceExchange(
    (name, scheme, rpc, req, res) => this.#onServiceRequest(name, scheme, rpc, req, res),
    (name) => this.#appConfigs.get(name)?.limits.rpcMaxBytes ?? this.#config?.defaults.rpcMaxBytes ?? 0,
  );
  readonly #dispatchService: ServiceDispatch = (name, request) => this.#services.dispatch(name, request);
  /** One function for every app's origin (settings compare equal while the origin does not change). */
  readonly #forwardOrigin = (url: string, req: IncomingMessage, res: ServerResponse, started: (status: number) => void): void =>
    forwardToOrigin(url, this.#config?.server.loopName ?? 'nano', req, res, started);

  constructor(opts: ServerOptions) {
    this.#log = opts.logger;
    this.#hooks = opts.hooks ?? noopHooks;
  }

  get config(): Config | null {
    return this.#config;
  }
  get apps(): ReadonlyMap<string, AppInstance> {
    return this.#apps;
  }
  get draining(): boolean {
    return this.#draining;
  }

  /** Applies the config and starts listening. Resolves with the bound address. */
  async start(config: Config): Promise<AddressInfo> {
    await this.reconfigure(config);
    this.#trust = config.server.trustedProxies.length === 0 ? null : trustList(config.server.trustedProxies);
    this.#useForwarded = config.server.forwardedHeader === 'forwarded';
    const edge = config.server;
    const http = createServer({ keepAliveTimeout: 5000, headersTimeout: edge.headersTimeoutMs, requestTimeout: edge.requestTimeoutMs }, (req, res) => this.#onRequest(req, res));
    if (edge.maxConnections > 0) http.maxConnections = edge.maxConnections;
    http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return;
      // Oversized headers are 431 (RFC 6585); a request that took too long, 408; the rest 400.
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });
    this.#http = http;
    this.#connections = new ConnectionWatch(http);
    await new Promise<void>((resolve, reject) => {
      http.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, 'server', config.server.host, config.server.port)));
      http.listen(config.server.port, config.server.host, () => {
        http.removeAllListeners('error');
        resolve();
      });
    });
    const addr = http.address() as AddressInfo;
    // Apps may not fetch() this listener (request loops) or the admin API, unless allowed.
    this.#unprotect.push(protectEndpoint(addr.address, addr.port));
    if (config.admin.port !== 0) this.#unprotect.push(protectEndpoint(config.admin.host, config.admin.port));
    this.#startSweeper();
    return addr;
  }

  /**
   * The one way to change what runs. Under the mutex: resolves every app's env and reads its
   * code; builds an instance for each added or changed app and, once the server runs, loads it
   * (a syntax error or top-level throw is found here, not by the first request); only when every
   * app is good does it swap the routing table, at once. Replaced versions then drain and are
   * disposed; removed apps drain while their new requests get 503. On any problem it throws a
   * ReloadError listing all of them and changes nothing. `changedPaths` (a file watch's) limits
   * the re-reading of code to the apps those paths belong to; without it every app is read.
   */
  reconfigure(config: Config, changedPaths?: readonly string[]): Promise<ReconfigureReport> {
    return this.#mutex.run(async () => {
      if (this.#draining) throw new NanoError('NANO_ERR_APP_DRAINING', 'the server is shutting down; the new config is not applied');
      capWasmMemory(Math.max(...config.apps.map((a) => a.limits.memoryMb ?? config.defaults.memoryMb)));
      const running = this.#config !== null;
      const old = this.#apps;
      const next = new Map<string, AppInstance>();
      const built: AppInstance[] = [];
      const problems: AppProblem[] = [];
      const added: string[] = [];
      const changed: string[] = [];
      const unchanged: string[] = [];
      for (const app of config.apps) {
        const prev = old.get(app.name);
        let settings: AppSettings;
        let code;
        try {
          const kept = changedPaths === undefined ? undefined : this.#unchangedLoad(app, changedPaths);
          const loaded = kept ?? (await loadApp(app.path, app));
          this.#loaded.set(app.name, { path: app.path, entry: app.entry, wranglerEnv: app.wranglerEnv, devVars: app.devVars, loaded });
          this.#noteProject(app.name, loaded);
          code = loaded.code;
          settings = await this.#settings(applyProject(app, loaded, config.apps), config);
        } catch (err) {
          problems.push(problemOf(app.name, err));
          continue;
        }
        if (prev !== undefined && prev.code.version === code.version && sameSettings(prev.settings, settings)) {
          next.set(app.name, prev);
          unchanged.push(app.name);
          continue;
        }
        const inst = new AppInstance(settings, code, this.#log, this.#hooks);
        built.push(inst);
        (prev === undefined ? added : changed).push(app.name);
        next.set(app.name, inst);
        // New code must prove it loads before it replaces anything (service-worker apps run
        // top-level code with their env, so a new env is new code for them). A warm app stays
        // warm; a cold one is only checked. At first start apps load lazily, on first request.
        const keepWarm = prev?.hasIsolate === true;
        const check = running && (prev === undefined || prev.code.version !== code.version || (!code.moduleSyntax && prev.settings.envJson !== settings.envJson));
        if (keepWarm || check) {
          try {
            await inst.warm({ silent: true });
            if (!keepWarm) inst.cool();
          } catch (err) {
            const why = inst.lastError ?? (err instanceof Error ? err.message : String(err));
            problems.push({ app: app.name, code: 'NANO_ERR_APP_LOAD', message: `version ${code.version} of ${app.path} failed to load: ${why}` });
          }
        }
      }
      if (problems.length > 0) {
        for (const inst of built) inst.dispose();
        const at = new Date().toISOString();
        for (const p of problems) this.#reloadErrors.set(p.app, { message: formatAppProblem(p), at });
        throw new ReloadError(problems);
      }
      for (const name of [...added, ...changed]) this.#reloadErrors.delete(name);
      const removedConfigs = [...old.keys()].filter((n) => !next.has(n)).map((n) => [n, this.#appConfigs.get(n)] as const);
      this.#apps = next;
      this.#appConfigs = new Map(config.apps.map((a) => [a.name, a]));
      this.#config = config;
      // Removed apps keep their routes while they drain, unless a current app takes them over.
      for (const [name, cfg] of removedConfigs) {
        const inst = old.get(name);
        if (inst !== undefined && cfg !== undefined) this.#removing.set(inst, cfg);
        this.#reloadErrors.delete(name);
      }
      this.#rebuildRoutes();
      const drains: Promise<DrainOutcome>[] = [];
      for (const name of changed) {
        const inst = old.get(name);
        if (inst !== undefined) drains.push(this.#retire(inst, false));
      }
      for (const [name] of removedConfigs) {
        const inst = old.get(name);
        if (inst !== undefined) drains.push(this.#retire(inst, true));
      }
      if (this.#http !== null) this.#startSweeper();
      return { added, removed: removedConfigs.map(([n]) => n), changed, unchanged, retired: Promise.all(drains) };
    });
  }

  /** Logs a project's build and, once per distinct text, its wrangler-field warning; keeps its watch list. */
  /**
   * What the app loaded last time, if the same path and entry are configured and no changed file
   * is under its path or among the files its build read: its code need not be read again.
   */
  #unchangedLoad(app: AppConfig, changedPaths: readonly string[]): LoadedApp | undefined {
    const last = this.#loaded.get(app.name);
    if (last === undefined || last.path !== app.path || last.entry !== app.entry || last.wranglerEnv !== app.wranglerEnv || last.devVars !== app.devVars) return undefined;
    const root = app.path.endsWith(sep) ? app.path : app.path + sep;
    const watched = this.#projectWatch.get(app.name) ?? [];
    const touched = changedPaths.some((p) => p === app.path || p.startsWith(root) || watched.includes(p));
    return touched ? undefined : last.loaded;
  }

  #noteProject(name: string, loaded: LoadedApp): void {
    this.#projectWatch.set(name, loaded.watch);
    if (loaded.build !== null && !loaded.build.fromCache) {
      this.#log.info({ event: 'app_built', app: name, ms: Math.round(loaded.build.ms) }, `app "${name}": built ${loaded.code.root} in ${Math.round(loaded.build.ms)} ms`);
    }
    const warning = loaded.warning ?? '';
    if (warning !== '' && this.#projectWarnings.get(name) !== warning) this.#log.warn({ event: 'project_fields_ignored', app: name }, `app "${name}": ${warning}`);
    this.#projectWarnings.set(name, warning);
  }

  /** Files outside the apps' directories that their builds read (node_modules), for the watcher. */
  projectWatchPaths(): string[] {
    const out = new Set<string>();
    for (const name of this.#apps.keys()) for (const p of this.#projectWatch.get(name) ?? []) out.add(p);
    return [...out];
  }

  async #settings(app: AppConfig, config: Config): Promise<AppSettings> {
    const d = config.defaults;
    const allow = [...config.fetch.allow, ...app.fetch.allow];
    const bad = allow.filter((e) => parseAllowEntry(e) === null);
    if (bad.length > 0) throw new NanoError('NANO_ERR_CONFIG_INVALID', `fetch.allow: ${bad.map((e) => `"${e}"`).join(', ')} is not a host, host:port, IP, [IPv6]:port or CIDR; fix or remove it`);
    return {
      name: app.name,
      memoryMb: app.limits.memoryMb ?? d.memoryMb,
      cpuMs: app.limits.cpuMs ?? d.cpuMs,
      wallMs: app.limits.wallMs ?? d.wallMs,
      maxBodyBytes: app.limits.maxBodyBytes ?? d.maxBodyBytes,
      idleEvictMs: d.idleEvictMs,
      execution: app.limits.execution ?? d.execution,
      envJson: await resolveEnv(app),
      fetch: {
        maxConcurrent: app.limits.subrequests ?? APP_LIMIT_DEFAULTS.subrequests,
        timeoutMs: app.limits.subrequestTimeoutMs ?? APP_LIMIT_DEFAULTS.subrequestTimeoutMs,
        allow,
        loopName: config.server.loopName,
        ...(app.services.length > 0 ? { services: Object.fromEntries(app.services.map((b) => [b.binding, b.service])), dispatchService: this.#dispatchService } : {}),
      },
      ...(app.origin !== undefined ? { origin: { url: app.origin, forward: this.#forwardOrigin } } : {}),
      log: {
        linesPerSec: app.limits.logLinesPerSec ?? d.logLinesPerSec,
        bytesPerSec: app.limits.logBytesPerSec ?? d.logBytesPerSec,
        maxLineBytes: app.limits.logLineBytes ?? d.logLineBytes,
      },
    };
  }

  /** The routing table: draining removed apps first, so current apps win any shared hostname. */
  #rebuildRoutes(): void {
    const apps = this.#config?.apps ?? [];
    const currentDefault = apps.some((a) => isDefault(a, apps.length));
    const routes: VhostRoute<AppInstance>[] = [];
    for (const [inst, cfg] of this.#removing) {
      routes.push({ hostnames: cfg.hostnames, isDefault: !currentDefault && (cfg.default || cfg.hostnames.length === 0), target: inst });
    }
    for (const a of apps) {
      const target = this.#apps.get(a.name);
      if (target !== undefined) routes.push({ hostnames: a.hostnames, isDefault: isDefault(a, apps.length), target });
    }
    this.#vhosts = new VhostTable(routes);
  }

  /** Drains a replaced or removed version with the one drain routine, then disposes it. */
  async #retire(inst: AppInstance, removed: boolean): Promise<DrainOutcome> {
    this.#retiring.add(inst);
    const name = inst.settings.name;
    const outcome = await drain([inst], {
      timeoutMs: this.#config?.server.drainTimeoutMs ?? 30_000,
      refuseNew: removed,
      log: this.#log.child({ app: name }),
      reason: removed ? `app "${name}" removed` : `app "${name}" version ${inst.code.version} replaced`,
      forceWhen: this.#shutdown,
    });
    for (const a of outcome.apps) this.#hooks.drainCut(a.app, a.requests + a.waitUntil);
    inst.dispose();
    this.#retiring.delete(inst);
    if (this.#removing.delete(inst)) this.#rebuildRoutes();
    return outcome;
  }

  /**
   * Every second at most (a quarter of idleEvictMs when that is shorter): apps idle for
   * idleEvictMs lose their isolate, and idle apps get their isolate's memory-reducing GC
   * (AppInstance.compactIfIdle) if a pass after their last request (#armCompaction) missed them.
   */
  #startSweeper(): void {
    clearInterval(this.#sweeper);
    if (this.#draining) return;
    const idle = this.#config?.defaults.idleEvictMs ?? 0;
    this.#sweeper = setInterval(() => {
      const now = Date.now();
      for (const app of this.#apps.values()) app.evictIfIdle(now);
      void this.#compactIdle();
    }, idle === 0 ? 1000 : Math.min(Math.max(Math.floor(idle / 4), 25), 1000));
    this.#sweeper.unref();
  }

  /**
   * A request of an app whose isolate awaits compaction finished: a compaction pass runs
   * IDLE_COMPACT_MS later (one timer for all apps), so the isolate gets its memory-reducing GC
   * soon after the app went idle, not at the next sweep. Apps that are busy or compacted already
   * arm nothing.
   */
  #armCompaction(): void {
    if (this.#compactTimer !== undefined || this.#draining) return;
    this.#compactTimer = setTimeout(() => {
      this.#compactTimer = undefined;
      void this.#compactIdle();
    }, IDLE_COMPACT_MS);
    this.#compactTimer.unref();
  }

  /**
   * Gives every app that is due its memory-reducing GC (AppInstance.compactIfIdle), at most
   * COMPACT_CONCURRENCY isolates at a time, on isolated-vm's thread pool: when a thousand apps
   * go idle together their GCs queue up instead of all running at once, and a few in flight keep
   * the pool busy while each completion waits for a turn of this thread (docs' performance
   * page, "Idle compaction").
   */
  #compactIdle(): Promise<void> {
    if (this.#compacting !== null) {
      this.#compactAgain = true;
      return this.#compacting;
    }
    this.#compacting = this.#compactPasses().finally(() => {
      this.#compacting = null;
    });
    return this.#compacting;
  }

  async #compactPasses(): Promise<void> {
    let compacted = 0;
    try {
      do {
        this.#compactAgain = false;
        const apps = [...this.#apps.values()];
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < apps.length && !this.#draining) {
            const done = (apps[next++] as AppInstance).compactIfIdle(Date.now());
            if (done === null) continue;
            await done;
            compacted++;
          }
        };
        await Promise.all(Array.from({ length: COMPACT_CONCURRENCY }, worker));
      } while (this.#compactAgain && !this.#draining);
    } finally {
      if (compacted > 0) noteIsolatesCompacted();
    }
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    // While draining every answer closes its connection (see drain()).
    if (this.#draining) res.shouldKeepAlive = false;
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      // A worker handing off (rolling restart) is not the service going away: the port stays ready.
      const ready = (!this.#draining || this.#handoff) && !this.#unready && this.#config !== null;
      if (!ready) res.shouldKeepAlive = false;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(ready ? '{"status":"ready"}' : '{"status":"draining"}');
      return;
    }
    if (this.#draining && !this.#handoff) {
      sendError(res, 'NANO_ERR_APP_DRAINING', 'the server is shutting down', true);
      return;
    }
    const edge = readEdge(req, this.#trust, this.#useForwarded);
    if (edge === null) {
      sendError(res, 'NANO_ERR_BAD_REQUEST', 'malformed Host header or request target', true);
      req.resume();
      return;
    }
    // Routing and the app's request.url use the same host, scheme and path.
    req.headers.host = edge.host;
    req.url = edge.path;
    setRequestScheme(req, edge.scheme);
    setClientIp(req, edge.clientIp);
    placeEdgeHeader(req);
    // A request without a body has nothing left to arrive after the answer.
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) this.#watchBodyAfterResponse(req, res);
    const loop = this.#config?.server;
    if (loop !== undefined && countLoopHops(req.headers['cdn-loop'], loop.loopName) > loop.maxLoopHops) {
      sendError(res, 'NANO_ERR_LOOP_DETECTED', `this request passed through "${loop.loopName}" more than ${loop.maxLoopHops} times (CDN-Loop header; server.maxLoopHops)`, false);
      req.resume();
      return;
    }
    const app = this.#vhosts.lookup(req.headers.host);
    if (app === undefined) {
      sendError(res, 'NANO_ERR_NO_APP', 'no app serves this host', false);
      req.resume();
      return;
    }
    this.#serve(app, req, res);
  }

  /** Counts and hands one request to an app: from the listener or from a service binding. */
  #serve(app: AppInstance, req: IncomingMessage, res: ServerResponse): void {
    const name = app.settings.name;
    // @limit maxInflight: counted by the traffic tracker, all versions of the app together.
    const cap = this.#appConfigs.get(name)?.limits.maxInflight ?? this.#config?.defaults.maxInflight ?? Infinity;
    if (this.#tracker.inflight(name) >= cap) {
      sendError(res, 'NANO_ERR_APP_OVERLOADED', `the app has ${cap} requests in flight (limits.maxInflight); retry later`, false);
      req.resume();
      return;
    }
    this.#hooks.requestReceived(name);
    this.#tracker.track(name, req, res, (status, ms) => {
      this.#hooks.requestDone(name, status, ms);
      if (app.awaitsCompaction) this.#armCompaction();
    });
    app.handle(req, res);
  }

  /**
   * Once the response is sent, the rest of an unread request body may keep arriving only while
   * bytes keep coming: after server.bodyIdleTimeoutMs without any, the connection is closed (a
   * client trickling a body after a 413 or a time limit would otherwise hold it forever).
   */
  #watchBodyAfterResponse(req: IncomingMessage, res: ServerResponse): void {
    const idleMs = this.#config?.server.bodyIdleTimeoutMs ?? 30_000;
    res.once('finish', () => {
      if (req.complete || req.destroyed) return;
      const timer = setTimeout(() => req.socket.destroy(), idleMs).unref();
      const stop = (): void => clearTimeout(timer);
      req.on('data', () => void timer.refresh());
      req.once('end', stop);
      req.once('close', stop);
      // Nobody reads the rest: it is discarded as it comes.
      req.resume();
    });
  }

  /** A service binding's request (src/server/service-exchange.ts), for the app named `name`. */
  #onServiceRequest(name: string, scheme: 'http' | 'https', rpc: string | null, req: IncomingMessage, res: ServerResponse): void {
    // The callee's request.url is the URL the caller fetched, its scheme too (not the listener's).
    setRequestScheme(req, scheme);
    placeRpcHeader(req, rpc);
    if (this.#draining && !this.#handoff) {
      sendError(res, 'NANO_ERR_APP_DRAINING', 'the server is shutting down', true);
      return;
    }
    const app = this.#apps.get(name);
    if (app === undefined) {
      sendError(res, 'NANO_ERR_NO_APP', `no app named "${name}"`, false);
      req.resume();
      return;
    }
    this.#serve(app, req, res);
  }

  /** The app named `name` as the admin API shows it, or undefined. */
  app(name: string): AppView | undefined {
    const inst = this.#apps.get(name);
    const cfg = this.#appConfigs.get(name);
    if (inst !== undefined && cfg !== undefined) return this.#view(name, inst, cfg, 'serving');
    for (const [i, c] of this.#removing) if (c.name === name) return this.#view(name, i, c, 'removing');
    return undefined;
  }

  /** Every configured app, then removed apps still draining. */
  listApps(): AppView[] {
    const out: AppView[] = [];
    for (const [name, inst] of this.#apps) {
      const cfg = this.#appConfigs.get(name);
      if (cfg !== undefined) out.push(this.#view(name, inst, cfg, 'serving'));
    }
    for (const [inst, cfg] of this.#removing) out.push(this.#view(cfg.name, inst, cfg, 'removing'));
    return out;
  }

  #view(name: string, instance: AppInstance, config: AppConfig, state: 'serving' | 'removing'): AppView {
    const retiring = [...this.#retiring].filter((i) => i !== instance && i.settings.name === name).map((i) => ({ version: i.code.version, inflight: i.inflight }));
    return { config, instance, state, inflight: this.#tracker.inflight(name), connections: this.#tracker.connections(name), retiring, reloadError: this.#reloadErrors.get(name) ?? null };
  }

  /**
   * Readiness fails and the listener stops accepting, while requests on open connections are
   * still served as before: a supervised worker's first step of a shutdown, so the supervisor can
   * have every worker stop accepting before any answer closes a connection (src/supervisor/).
   */
  stopAccepting(): void {
    this.#unready = true;
    void this.#closeListener();
  }

  /** net.Server's close stops accepting without http.Server's closing of idle sockets (see drain()). */
  #closeListener(): Promise<void> {
    const http = this.#http;
    this.#listenerClosed ??= http === null || !http.listening ? Promise.resolve() : new Promise<void>((resolve) => netClose.call(http, () => resolve()));
    return this.#listenerClosed;
  }

  /**
   * Graceful shutdown (idempotent): readiness fails at once, the listener stops accepting,
   * responses in flight get Connection: close, new requests on open keep-alive sockets get 503 +
   * Connection: close; in-flight requests (streaming ones to their last byte) and waitUntil work
   * finish, or are cut when `timeoutMs` passes; then every socket is closed. Versions still
   * draining from a reload are part of it.
   *
   * Idle keep-alive sockets are not closed at the start (as Node's server.close() would): a
   * request a client sent just as the signal came would meet a reset, with no way to know whether
   * it ran. Left open, it gets a clean 503 it can retry elsewhere. After the in-flight work, idle
   * sockets are closed only once quiet (drain/connections.ts), for the same reason.
   *
   * `handoff` is for a worker replaced while other workers serve the same port (rolling restart):
   * instead of 503, requests arriving on its open connections are served, with Connection: close,
   * until every connection has closed; then the apps drain as above.
   */
  drain(timeoutMs: number, mode: 'refuse' | 'handoff' = 'refuse'): Promise<DrainResult> {
    this.#drainDone ??= this.#drainAll(timeoutMs, mode);
    return this.#drainDone;
  }

  async #drainAll(timeoutMs: number, mode: 'refuse' | 'handoff'): Promise<DrainResult> {
    const start = performance.now();
    this.#draining = true;
    this.#handoff = mode === 'handoff';
    clearInterval(this.#sweeper);
    clearTimeout(this.#compactTimer);
    const http = this.#http;
    const closed = this.#closeListener();
    for (const res of this.#tracker.responses()) if (!res.headersSent) res.shouldKeepAlive = false;
    if (this.#handoff) {
      // Other processes serve this port: requests already on open connections are served here,
      // each answer closing its connection, so the client's next request goes to another process.
      await this.#connections?.closeWhenQuiet(start + timeoutMs);
      this.#handoff = false;
    }
    // A reconfigure in progress (warming isolates) finishes first, so what it swaps in drains too.
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([this.#mutex.run(async () => {}), new Promise((r) => (wait = setTimeout(r, timeoutMs)))]);
    clearTimeout(wait);
    const apps = [...new Set([...this.#apps.values(), ...this.#retiring])];
    const outcome = await drain(apps, { timeoutMs: Math.max(0, timeoutMs - (performance.now() - start)), refuseNew: true, log: this.#log, reason: 'shutdown' });
    for (const a of outcome.apps) this.#hooks.drainCut(a.app, a.requests + a.waitUntil);
    this.#shutdownStarted();
    // Cut work leaves nothing to wait for; otherwise connections close once their last answer is
    // sent or, idle, once they stay quiet (drain/connections.ts), so no sent request meets a reset.
    if (outcome.ended === 'deadline') http?.closeAllConnections();
    else await this.#connections?.closeWhenQuiet(start + timeoutMs);
    await closed;
    // GCs already running on isolated-vm's pool end before their isolates are disposed.
    await this.#compacting;
    for (const a of apps) a.dispose();
    for (const lift of this.#unprotect.splice(0)) lift();
    return { cut: outcome.cut, ms: performance.now() - start, ended: outcome.ended, apps: outcome.apps };
  }
}

/** Gives the app the client's address in CF-Connecting-IP, replacing any the client sent. */
function setClientIp(req: IncomingMessage, ip: string): void {
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) if ((raw[i] as string).toLowerCase() === CLIENT_IP_HEADER) raw.splice(i, 2);
  raw.push(CLIENT_IP_HEADER, ip);
  req.headers[CLIENT_IP_HEADER] = ip;
}

const netClose = NetServer.prototype.close as (this: HttpServer, cb: () => void) => HttpServer;

/** A listener that cannot bind is a config problem the operator can fix: say which and how. */
export function listenError(err: NodeJS.ErrnoException, section: 'server' | 'admin', host: string, port: number): Error {
  if (err.code === 'EADDRINUSE') return new NanoError('NANO_ERR_CONFIG_INVALID', `${section}.port: ${host}:${port} is already in use; stop what listens there or choose another port (0 picks a free one)`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new NanoError('NANO_ERR_CONFIG_INVALID', `${section}.host: cannot listen on ${host}; use an address of this machine (127.0.0.1, 0.0.0.0, ::)`);
  if (err.code === 'EACCES') return new NanoError('NANO_ERR_CONFIG_INVALID', `${section}.port: no permission to listen on port ${port}; use a port above 1023`);
  return err;
}

function isDefault(a: AppConfig, count: number): boolean {
  return a.default || (count === 1 && a.hostnames.length === 0);
}

function problemOf(app: string, err: unknown): AppProblem {
  if (err instanceof NanoError) return { app, code: err.code, message: err.message };
  return { app, code: 'NANO_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** Two resolved settings are the same when every field is (a new limit needs no change here). */
function sameSettings(a: AppSettings, b: AppSettings): boolean {
  return isDeepStrictEqual(a, b);
}
