// A service binding's request to another app of this process: one HTTP exchange over an in-memory
// socket pair (no network, no port), parsed by a private node:http server whose handler serves it
// with the named app exactly as the listener would (its limits, its drain, its accounting).
import { createServer, request as httpRequest, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { Readable, duplexPair, type Duplex } from 'node:stream';
import type { ServiceRequest } from '../host-calls/fetch.js';

/** Statuses whose response has no body (a Response with one cannot be constructed). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** Socket methods node:http calls that a plain Duplex lacks; none has a meaning in memory. */
function socketLike(d: Duplex): Duplex {
  const self = d as Duplex & Record<string, unknown>;
  for (const m of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref']) self[m] = () => d;
  self.remoteAddress = '127.0.0.1';
  self.remotePort = 0;
  return d;
}

export class ServiceExchange {
  readonly #http: HttpServer;
  /** The server end of each in-memory connection → the app it is for. */
  readonly #targets = new WeakMap<object, string>();

  /** `serve(app, req, res)` handles a request for the named app (the server's normal path). */
  constructor(serve: (app: string, req: IncomingMessage, res: ServerResponse) => void) {
    this.#http = createServer({ requestTimeout: 0, keepAliveTimeout: 0 }, (req, res) => serve(this.#targets.get(req.socket) ?? '', req, res));
  }

  /** Sends `r` to `app` and resolves with its response once the head is in; the body streams. */
  dispatch(app: string, r: ServiceRequest): Promise<Response> {
    const [client, server] = duplexPair();
    socketLike(client);
    socketLike(server);
    this.#targets.set(server, app);
    this.#http.emit('connection', server);
    const close = (): void => {
      client.destroy();
      server.destroy();
    };
    return new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of r.headers) {
        const prev = headers[k];
        headers[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      headers.host = r.url.host;
      const req = httpRequest({ createConnection: () => client, method: r.method, path: `${r.url.pathname}${r.url.search}`, headers, signal: r.signal }, (res) => {
        const out = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
        const status = res.statusCode ?? 502;
        res.once('close', close);
        const empty = NULL_BODY.has(status) || r.method === 'HEAD';
        if (empty) res.resume();
        resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers: out }));
      });
      req.once('error', (err) => {
        close();
        reject(err);
      });
      if (r.body === null) req.end();
      else if (r.body instanceof Uint8Array) req.end(r.body);
      else Readable.fromWeb(r.body as import('node:stream/web').ReadableStream<Uint8Array>).once('error', (err) => req.destroy(err)).pipe(req);
    });
  }
}
