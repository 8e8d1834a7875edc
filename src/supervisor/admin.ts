// The admin listener of a supervised NANO (workers > 1): /metrics (every worker's, summed, plus
// per-worker series), the workers and their deaths, the apps merged over the workers and their
// changes (app-changes.ts), a reload (validated here once, then sent to every worker) and a
// rolling restart. Same bearer token, routes and error shape as src/admin/.
import { createServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerMatches } from '../admin/auth.js';
import { closeAdmin, listenAdmin } from '../admin/listener.js';
import type { Logger } from '../observability/logger.js';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import { mergeAppViews, type WorkerApps } from '../admin/merge-views.js';
import type { AppView } from './messages.js';
import { errorReply, readJson, sendJson, discardOverlaysOf } from '../admin/http.js';
import { NanoError } from '../errors/registry.js';
import type { AppChanges, ChangeOutcome } from './app-changes.js';

export interface SupervisorAdminOptions {
  readonly token: string;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  /** GET /admin/workers. */
  readonly workers: () => unknown;
  /** POST /admin/reload: null when it was sent to every worker, else the problems that refused it. */
  readonly reload: (discardOverlays: boolean) => Promise<{ ok: boolean; problems: readonly string[] }>;
  /** POST/PUT/DELETE /admin/apps. */
  readonly changes: AppChanges;
  /** POST /admin/restart. */
  readonly restart: () => Promise<unknown>;
  /** Each worker's admin views of its apps (all, or the one named). */
  readonly apps: (name: string | null) => Promise<WorkerApps<AppView>[]>;
}

export class SupervisorAdmin {
  readonly #opts: SupervisorAdminOptions;
  #http: HttpServer | null = null;

  constructor(opts: SupervisorAdminOptions) {
    this.#opts = opts;
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    const http = createServer((req, res) => void this.#handle(req, res).catch((err: unknown) => this.#fail(res, err)));
    this.#http = http;
    return listenAdmin(http, port, host);
  }

  async close(): Promise<void> {
    const http = this.#http;
    this.#http = null;
    if (http === null) return;
    await closeAdmin(http);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!bearerMatches(req.headers.authorization, this.#opts.token)) {
      req.resume();
      res.setHeader('www-authenticate', 'Bearer realm="nano-admin"');
      sendJson(res, 401, { error: { code: 'NANO_ERR_ADMIN_UNAUTHORIZED', message: 'missing or wrong bearer token: send Authorization: Bearer <admin token>' } });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    const method = req.method ?? 'GET';
    const routes: Record<string, Record<string, () => Promise<void>>> = {
      '/metrics': { GET: async () => this.#metrics(res) },
      '/admin/workers': { GET: async () => sendJson(res, 200, this.#opts.workers()) },
      '/admin/reload': {
        POST: async () => {
          const r = await this.#opts.reload(discardOverlaysOf(await readJson(req, true)));
          if (r.ok) sendJson(res, 200, { reload: { ok: true, sentTo: 'every worker' } });
          else sendJson(res, 422, { error: { code: 'NANO_ERR_CONFIG_INVALID', message: 'the config is invalid; no worker was told to reload, the running config keeps serving', problems: r.problems } });
        },
      },
      '/admin/restart': { POST: async () => sendJson(res, 200, await this.#opts.restart()) },
    };
    const changed = (status: number, o: ChangeOutcome): void => sendJson(res, status, { ...o.result, workers: o.workers });
    routes['/admin/apps'] = {
      GET: async () => sendJson(res, 200, { apps: mergeAppViews(await this.#opts.apps(null)), overlays: [...this.#opts.changes.overlays].map(([app, o]) => ({ app, op: o.op })) }),
      POST: async () => changed(201, await this.#opts.changes.put('add', null, await readJson(req))),
    };
    const one = /^\/admin\/apps\/([^/]+)$/.exec(path);
    if (one !== null) {
      const name = decodeURIComponent(one[1] ?? '');
      routes[path] = {
        GET: async () => {
          const [app] = mergeAppViews(await this.#opts.apps(name));
          if (app === undefined) sendJson(res, 404, { error: { code: 'NANO_ERR_ADMIN_NOT_FOUND', message: `no app "${name}"` } });
          else sendJson(res, 200, app);
        },
        PUT: async () => changed(200, await this.#opts.changes.put('replace', name, await readJson(req))),
        DELETE: async () => {
          const o = await this.#opts.changes.remove(name);
          changed(200, { ...o, result: { removed: name, ...o.result } });
        },
      };
    }
    const route = routes[path];
    if (route?.[method] === undefined) req.resume();
    if (route === undefined) {
      sendJson(res, 404, { error: { code: 'NANO_ERR_ADMIN_NOT_FOUND', message: `no admin route ${path}` } });
      return;
    }
    const handler = route[method];
    if (handler === undefined) {
      res.setHeader('allow', Object.keys(route).join(', '));
      sendJson(res, 405, { error: { code: 'NANO_ERR_ADMIN_METHOD', message: `${method} is not allowed on ${path}` } });
      return;
    }
    await handler();
  }

  async #metrics(res: ServerResponse): Promise<void> {
    const text = await this.#opts.metrics.text();
    res.writeHead(200, { 'content-type': this.#opts.metrics.contentType, 'content-length': Buffer.byteLength(text) }).end(text);
  }

  #fail(res: ServerResponse, err: unknown): void {
    if (!(err instanceof NanoError)) this.#opts.logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'admin request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const { status, body } = errorReply(err);
    sendJson(res, status, body);
  }
}
