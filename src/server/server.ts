// The NANO server: wires config, virtual hosts, app instances and the HTTP listener. It knows
// nothing of argv or signals; `reconfigure` is the one path for every config change, and
// `drain` the one shutdown routine (the CLI and tests call them).
import { createServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Config, AppConfig } from '../config/schema.js';
import { VhostTable } from '../vhost/table.js';
import { AppInstance, sendError, type AppSettings } from '../isolates/app-instance.js';
import { readAppCode } from '../isolates/app-code.js';
import { resolveEnv } from '../env/resolve.js';
import type { Logger } from '../observability/logger.js';
import { noopHooks, type Hooks } from '../observability/hooks.js';
import { Mutex } from './mutex.js';

export interface ServerOptions {
  readonly logger: Logger;
  readonly hooks?: Hooks;
}

export interface DrainResult {
  /** Requests (or waitUntil tasks) still running when the deadline passed. */
  readonly cut: number;
  readonly ms: number;
}

export class Server {
  readonly #log: Logger;
  readonly #hooks: Hooks;
  readonly #mutex = new Mutex();
  #config: Config | null = null;
  #apps = new Map<string, AppInstance>();
  #vhosts = new VhostTable<AppInstance>([]);
  #http: HttpServer | null = null;
  #draining = false;
  #sweeper: NodeJS.Timeout | undefined;
  readonly #sockets = new Set<Socket>();

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
    const http = createServer({ keepAliveTimeout: 5000, requestTimeout: 0 }, (req, res) => this.#onRequest(req, res));
    http.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    http.on('clientError', (_err, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });
    this.#http = http;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.server.port, config.server.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const addr = http.address() as AddressInfo;
    this.#startSweeper();
    return addr;
  }

  /**
   * The one way to change what runs: builds app instances for new or changed apps (reading their
   * code and warming their isolates) before traffic switches, swaps the routing table at once,
   * then drains and disposes what was replaced or removed. Throws, changing nothing, on failure.
   */
  reconfigure(config: Config): Promise<void> {
    return this.#mutex.run(async () => {
      const old = this.#apps;
      const next = new Map<string, AppInstance>();
      const built: AppInstance[] = [];
      try {
        for (const app of config.apps) {
          const settings = await this.#settings(app, config);
          const prev = old.get(app.name);
          const code = await readAppCode(app.path, app.entry);
          if (prev !== undefined && prev.code.version === code.version && sameSettings(prev.settings, settings)) {
            next.set(app.name, prev);
            continue;
          }
          const inst = new AppInstance(settings, code, this.#log, this.#hooks);
          built.push(inst);
          // Changed apps are warmed before they take traffic; new apps start lazily.
          if (prev !== undefined && prev.hasIsolate) await inst.warm();
          next.set(app.name, inst);
        }
      } catch (err) {
        for (const inst of built) inst.dispose();
        throw err;
      }
      this.#apps = next;
      this.#vhosts = new VhostTable(config.apps.map((a) => ({ hostnames: a.hostnames, isDefault: a.default, target: next.get(a.name) as AppInstance })));
      this.#config = config;
      const retired = [...old.values()].filter((inst) => ![...next.values()].includes(inst));
      for (const inst of retired) void this.#retire(inst, config.server.drainTimeoutMs);
      if (this.#http !== null) this.#startSweeper();
    });
  }

  async #settings(app: AppConfig, config: Config): Promise<AppSettings> {
    const d = config.defaults;
    return {
      name: app.name,
      memoryMb: app.limits.memoryMb ?? d.memoryMb,
      cpuMs: app.limits.cpuMs ?? d.cpuMs,
      wallMs: app.limits.wallMs ?? d.wallMs,
      maxBodyBytes: app.limits.maxBodyBytes ?? d.maxBodyBytes,
      idleEvictMs: d.idleEvictMs,
      execution: d.execution,
      envJson: await resolveEnv(app),
    };
  }

  /** Drains a replaced or removed app instance: in-flight requests finish, then it is disposed. */
  async #retire(inst: AppInstance, timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => {
      const cut = inst.forceClose();
      if (cut > 0) this.#log.warn({ app: inst.settings.name, cut }, 'retired app version did not finish in time; requests cut');
    }, timeoutMs);
    await inst.whenIdle();
    clearTimeout(timer);
    inst.dispose();
  }

  #startSweeper(): void {
    clearInterval(this.#sweeper);
    const idle = this.#config?.defaults.idleEvictMs ?? 0;
    if (idle === 0) return;
    this.#sweeper = setInterval(() => {
      const now = Date.now();
      for (const app of this.#apps.values()) app.evictIfIdle(now);
    }, Math.min(Math.max(Math.floor(idle / 4), 25), 5000));
    this.#sweeper.unref();
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const ready = !this.#draining && this.#config !== null;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(ready ? '{"status":"ready"}' : '{"status":"draining"}');
      return;
    }
    if (this.#draining) {
      sendError(res, 'NANO_ERR_APP_DRAINING', 'the server is shutting down', true);
      return;
    }
    const app = this.#vhosts.lookup(req.headers.host);
    if (app === undefined) {
      sendError(res, 'NANO_ERR_NO_APP', 'no app serves this host', false);
      req.resume();
      return;
    }
    void app.handle(req, res);
  }

  /**
   * Graceful shutdown: readiness fails at once, the listener stops accepting, idle keep-alive
   * sockets close, new requests on open sockets get 503 + Connection: close; in-flight requests
   * and waitUntil work finish, or are cut when `timeoutMs` passes.
   */
  async drain(timeoutMs: number): Promise<DrainResult> {
    const start = performance.now();
    this.#draining = true;
    clearInterval(this.#sweeper);
    const http = this.#http;
    const closed = http === null ? Promise.resolve() : new Promise<void>((resolve) => http.close(() => resolve()));
    http?.closeIdleConnections();
    const apps = [...this.#apps.values()];
    for (const a of apps) a.startDraining();
    let cut = 0;
    const idle = Promise.all(apps.map((a) => a.whenIdle())).then(() => 'idle' as const);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), timeoutMs);
    });
    if ((await Promise.race([idle, deadline])) === 'deadline') {
      for (const a of apps) {
        const n = a.forceClose();
        if (n > 0) this.#log.warn({ app: a.settings.name, cut: n }, 'drain deadline passed; cutting requests');
        cut += n;
      }
    }
    clearTimeout(timer);
    http?.closeAllConnections();
    await closed;
    for (const a of apps) a.dispose();
    return { cut, ms: performance.now() - start };
  }
}

function sameSettings(a: AppSettings, b: AppSettings): boolean {
  return a.memoryMb === b.memoryMb && a.cpuMs === b.cpuMs && a.wallMs === b.wallMs && a.maxBodyBytes === b.maxBodyBytes && a.idleEvictMs === b.idleEvictMs && a.execution === b.execution && a.envJson === b.envJson;
}
