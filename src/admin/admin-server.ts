// The admin API and /metrics on their own listener. Every request needs the bearer token (401
// otherwise, before any routing). Changes go through the Reloader, so they are validated by the
// config schema and applied by Server.reconfigure like any file change; they are in-memory
// overlays over the config file (see docs: guides/operations). Errors are JSON {error:{code,message}}.
import { createServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NanoError, type ErrorCode } from '../errors/registry.js';
import type { Server } from '../server/server.js';
import { closeAdmin, listenAdmin } from './listener.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import { describeError, type Reloader } from '../reload/reloader.js';
import { isObject } from '../reload/source.js';
import { discardOverlaysOf, errorReply, readJson, sendJson, statusOf } from './http.js';
import { bearerMatches } from './auth.js';
import { appDetail, appSummary } from './views.js';

export interface AdminOptions {
  readonly server: Server;
  readonly reloader: Reloader;
  readonly metrics: Metrics | null;
  readonly token: string;
  readonly logger: Logger;
}

type Handler = (req: IncomingMessage, res: ServerResponse, name: string | null) => Promise<void>;

export class AdminServer {
  readonly #opts: AdminOptions;
  #http: HttpServer | null = null;

  constructor(opts: AdminOptions) {
    this.#opts = opts;
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    const http = createServer((req, res) => void this.#handle(req, res));
    this.#http = http;
    return listenAdmin(http, port, host);
  }

  /** Stops the listener; requests in flight finish (a DELETE waits for its app's drain). */
  async close(): Promise<void> {
    const http = this.#http;
    if (http === null) return;
    this.#http = null;
    await closeAdmin(http);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!bearerMatches(req.headers.authorization, this.#opts.token)) {
        req.resume();
        res.setHeader('www-authenticate', 'Bearer realm="nano-admin"');
        sendJsonError(res, 'NANO_ERR_ADMIN_UNAUTHORIZED', 'missing or wrong bearer token: send Authorization: Bearer <admin token>');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://admin');
      const route = this.#route(url.pathname);
      if (route === null) {
        req.resume();
        sendJsonError(res, 'NANO_ERR_ADMIN_NOT_FOUND', `no admin route ${url.pathname}; see the admin API in the operations guide`);
        return;
      }
      const handler = route.methods[req.method ?? 'GET'];
      if (handler === undefined) {
        req.resume();
        res.setHeader('allow', Object.keys(route.methods).join(', '));
        sendJsonError(res, 'NANO_ERR_ADMIN_METHOD', `${req.method ?? ''} is not allowed on ${url.pathname}`);
        return;
      }
      await handler(req, res, route.name);
    } catch (err) {
      this.#fail(res, err);
    }
  }

  #route(path: string): { methods: Record<string, Handler>; name: string | null } | null {
    if (path === '/metrics') return { name: null, methods: { GET: (_q, r) => this.#metrics(r) } };
    if (path === '/admin/apps') return { name: null, methods: { GET: (_q, r) => this.#list(r), POST: (q, r) => this.#put(q, r, 'add', null) } };
    if (path === '/admin/reload') return { name: null, methods: { POST: (q, r) => this.#reload(q, r) } };
    const m = /^\/admin\/apps\/([^/]+)$/.exec(path);
    if (m !== null) {
      const name = decodeURIComponent(m[1] ?? '');
      return {
        name,
        methods: {
          GET: (_q, r, n) => this.#get(r, n ?? ''),
          PUT: (q, r, n) => this.#put(q, r, 'replace', n),
          DELETE: (_q, r, n) => this.#delete(r, n ?? ''),
        },
      };
    }
    return null;
  }

  #source(name: string): 'config' | 'admin' {
    return this.#opts.reloader.overlays.get(name)?.op === 'put' ? 'admin' : 'config';
  }

  async #metrics(res: ServerResponse): Promise<void> {
    const m = this.#opts.metrics;
    if (m === null) {
      sendJsonError(res, 'NANO_ERR_ADMIN_NOT_FOUND', 'metrics are off');
      return;
    }
    const text = await m.text();
    res.writeHead(200, { 'content-type': m.contentType, 'content-length': Buffer.byteLength(text) }).end(text);
  }

  async #list(res: ServerResponse): Promise<void> {
    const r = this.#opts.reloader;
    sendJson(res, 200, {
      apps: this.#opts.server.listApps().map((v) => appSummary(v, this.#source(v.config.name))),
      draining: this.#opts.server.draining,
      overlays: [...r.overlays].map(([app, o]) => ({ app, op: o.op })),
      reload: { last: r.last, lastFailure: r.lastFailure },
    });
  }

  async #get(res: ServerResponse, name: string): Promise<void> {
    const v = this.#opts.server.app(name);
    if (v === undefined) {
      sendJsonError(res, 'NANO_ERR_ADMIN_NOT_FOUND', `no app "${name}"`);
      return;
    }
    sendJson(res, 200, appDetail(v, this.#source(name)));
  }

  async #put(req: IncomingMessage, res: ServerResponse, mode: 'add' | 'replace', urlName: string | null): Promise<void> {
    const body = await readJson(req);
    const change = await this.#opts.reloader.putApp(mode, urlName, body);
    const name = mode === 'add' ? String(isObject(body) ? body.name : '') : (urlName ?? '');
    const v = this.#opts.server.app(name);
    sendJson(res, mode === 'add' ? 201 : 200, { app: v === undefined ? null : appDetail(v, this.#source(name)), reload: change.record });
  }

  async #delete(res: ServerResponse, name: string): Promise<void> {
    const change = await this.#opts.reloader.removeApp(name);
    const drains = await change.retired;
    const d = drains[0];
    sendJson(res, 200, { removed: name, drain: d === undefined ? null : { ended: d.ended, ms: d.ms, cut: d.cut }, reload: change.record });
  }

  async #reload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const discardOverlays = discardOverlaysOf(await readJson(req, true));
    const record = await this.#opts.reloader.reload('admin', { discardOverlays });
    if (record.ok) sendJson(res, 200, { reload: record });
    else sendJson(res, statusOf(record.code ?? 'NANO_ERR_INTERNAL'), { error: { code: record.code, message: 'the config could not be applied; the running version keeps serving', problems: record.problems }, reload: record });
  }

  #fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (!(err instanceof NanoError)) this.#opts.logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'admin request failed');
    const { status, body } = errorReply(err, describeError);
    sendJson(res, status, body);
  }
}

function sendJsonError(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, statusOf(code), { error: { code, message } });
}
