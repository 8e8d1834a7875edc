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
  /** The server end of each in-memory connection → the app it is for and the URL's scheme. */
  readonly #targets = new WeakMap<object, { app: string; scheme: 'http' | 'https' }>();

  /** `serve(app, scheme, req, res)` handles a request for the named app (the server's normal path). */
  constructor(serve: (app: string, scheme: 'http' | 'https', req: IncomingMessage, res: ServerResponse) => void) {
    this.#http = createServer({ requestTimeout: 0, keepAliveTimeout: 0 }, (req, res) => {
      const target = this.#targets.get(req.socket);
      serve(target?.app ?? '', target?.scheme ?? 'http', req, res);
    });
  }

  /** Sends `r` to `app` and resolves with its response once the head is in; the body streams. */
  dispatch(app: string, r: ServiceRequest): Promise<Response> {
    const [client, server] = duplexPair();
    socketLike(client);
    socketLike(server);
    this.#targets.set(server, { app, scheme: r.url.protocol === 'https:' ? 'https' : 'http' });
    this.#http.emit('connection', server);
    const close = (): void => {
      client.destroy();
      server.destroy();
    };
    return new Promise<Response>((resolve, reject) => {
      const fail = (err: unknown): void => {
        close();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of r.headers) {
        const prev = headers[k];
        headers[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      headers.host = r.url.host;
      const options = { createConnection: () => client, method: r.method, path: `${r.url.pathname}${r.url.search}`, headers, signal: r.signal };
      let req;
      try {
        req = httpRequest(options, (res) => {
          res.once('close', close);
          try {
            resolve(toResponse(res, r.method));
          } catch (err) {
            // A status a web Response cannot carry (1xx): the subrequest fails, never the host.
            res.destroy();
            fail(err);
          }
        });
      } catch (err) {
        // A method or header node:http refuses throws here; the socket pair must not stay open.
        fail(err);
        return;
      }
      req.once('error', fail);
      if (r.body === null) req.end();
      else if (r.body instanceof Uint8Array) req.end(r.body);
      else Readable.fromWeb(r.body as import('node:stream/web').ReadableStream<Uint8Array>).once('error', (err) => req.destroy(err)).pipe(req);
    });
  }
}

/** The callee's answer as a web Response whose body streams from the in-memory connection. */
function toResponse(res: IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
  const status = res.statusCode ?? 502;
  const empty = NULL_BODY.has(status) || method === 'HEAD';
  if (empty) res.resume();
  return new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers });
}
