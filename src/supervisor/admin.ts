// The admin listener of a supervised NANO (workers > 1): /metrics (every worker's, summed, plus
// per-worker series), the workers and their deaths, a reload (validated here once, then sent to
// every worker) and a rolling restart. Same bearer token and error shape as src/admin/.
import { createServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerMatches } from '../admin/auth.js';
import { closeAdmin, listenAdmin } from '../admin/listener.js';
import type { Logger } from '../observability/logger.js';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import { mergeAppViews, type WorkerApps } from '../admin/merge-views.js';
import type { AppView } from './messages.js';

export interface SupervisorAdminOptions {
  readonly token: string;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  /** GET /admin/workers. */
  readonly workers: () => unknown;
  /** POST /admin/reload: null when it was sent to every worker, else the problems that refused it. */
  readonly reload: () => Promise<{ ok: boolean; problems: readonly string[] }>;
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
    req.resume();
    if (!bearerMatches(req.headers.authorization, this.#opts.token)) {
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
          const r = await this.#opts.reload();
          if (r.ok) sendJson(res, 200, { reload: { ok: true, sentTo: 'every worker' } });
          else sendJson(res, 422, { error: { code: 'NANO_ERR_CONFIG_INVALID', message: 'the config is invalid; no worker was told to reload, the running config keeps serving', problems: r.problems } });
        },
      },
      '/admin/restart': { POST: async () => sendJson(res, 200, await this.#opts.restart()) },
    };
    routes['/admin/apps'] = { GET: async () => sendJson(res, 200, { apps: mergeAppViews(await this.#opts.apps(null)) }) };
    const one = /^\/admin\/apps\/([^/]+)$/.exec(path);
    if (one !== null) {
      const name = decodeURIComponent(one[1] ?? '');
      routes[path] = {
        GET: async () => {
          const [app] = mergeAppViews(await this.#opts.apps(name));
          if (app === undefined) sendJson(res, 404, { error: { code: 'NANO_ERR_ADMIN_NOT_FOUND', message: `no app "${name}"` } });
          else sendJson(res, 200, app);
        },
      };
    }
    const route = routes[path];
    if (route === undefined) {
      sendJson(res, 404, { error: { code: 'NANO_ERR_ADMIN_NOT_FOUND', message: `no admin route ${path}` } });
      return;
    }
    const handler = route[method];
    if (handler === undefined) {
      res.setHeader('allow', Object.keys(route).join(', '));
      const why = path.startsWith('/admin/apps') ? '; with more than one worker, apps change through the config file (admin changes are not offered yet)' : '';
      sendJson(res, 405, { error: { code: 'NANO_ERR_ADMIN_METHOD', message: `${method} is not allowed on ${path}${why}` } });
      return;
    }
    await handler();
  }

  async #metrics(res: ServerResponse): Promise<void> {
    const text = await this.#opts.metrics.text();
    res.writeHead(200, { 'content-type': this.#opts.metrics.contentType, 'content-length': Buffer.byteLength(text) }).end(text);
  }

  #fail(res: ServerResponse, err: unknown): void {
    this.#opts.logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'admin request failed');
    if (res.headersSent) res.destroy();
    else sendJson(res, 500, { error: { code: 'NANO_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) } });
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' }).end(body);
}
