// A service binding's request to another app of this process: one HTTP exchange over an in-memory
// socket pair (no network, no port), parsed by a private node:http server whose handler serves it
// with the named app exactly as the listener would (its limits, its drain, its accounting). An RPC
// call (`env.AUTH.method()`) is such a request whose method header the host vouches for: taken
// off the caller's request, checked, and put first on the callee's; its encoded arguments and
// result are bounded by the callee's `limits.rpcMaxBytes`. The host never parses them.
import { createServer, request as httpRequest, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { Readable, duplexPair, type Duplex } from 'node:stream';
import type { ServiceRequest } from '../host-calls/fetch.js';
import { EDGE_HEADER, RPC_METHOD_HEADER, RPC_METHOD_NAME } from '../protocol/bridge.js';

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

/** Removes every copy of the headers only the host may set (a client's or a caller's is never believed). */
function stripInternalHeaders(req: IncomingMessage): void {
  if (req.headers[RPC_METHOD_HEADER] === undefined && req.headers[EDGE_HEADER] === undefined) return;
  delete req.headers[RPC_METHOD_HEADER];
  delete req.headers[EDGE_HEADER];
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    const name = (raw[i] as string).toLowerCase();
    if (name === RPC_METHOD_HEADER || name === EDGE_HEADER) raw.splice(i, 2);
  }
}

/**
 * A request from the listener: its HTTP version first when it is not 1.1, for `request.cf`
 * (bridge.ts EDGE_HEADER). An HTTP/1.1 request, nearly every one, carries nothing extra.
 */
export function placeEdgeHeader(req: IncomingMessage): void {
  stripInternalHeaders(req);
  if (req.httpVersion !== '1.1') req.rawHeaders.unshift(EDGE_HEADER, req.httpVersion);
}

/** A service request: the RPC header the host vouches for first, or an empty EDGE_HEADER (no `request.cf`). */
export function placeRpcHeader(req: IncomingMessage, method: string | null): void {
  stripInternalHeaders(req);
  if (method === null) {
    req.rawHeaders.unshift(EDGE_HEADER, '');
    return;
  }
  req.rawHeaders.unshift(RPC_METHOD_HEADER, method);
  req.headers[RPC_METHOD_HEADER] = method;
}

interface Target {
  readonly app: string;
  readonly scheme: 'http' | 'https';
  /** The RPC method called, or null for `env.X.fetch()`. */
  readonly rpc: string | null;
}

export class ServiceExchange {
  readonly #http: HttpServer;
  /** The server end of each in-memory connection → the app it is for, the URL's scheme, the RPC method. */
  readonly #targets = new WeakMap<object, Target>();
  readonly #rpcMaxBytes: (app: string) => number;

  /**
   * `serve(app, scheme, rpc, req, res)` handles a request for the named app (the server's normal
   * path); `rpcMaxBytes(app)` is the callee's bound on an RPC call's arguments and result.
   */
  constructor(serve: (app: string, scheme: 'http' | 'https', rpc: string | null, req: IncomingMessage, res: ServerResponse) => void, rpcMaxBytes: (app: string) => number) {
    this.#rpcMaxBytes = rpcMaxBytes;
    this.#http = createServer({ requestTimeout: 0, keepAliveTimeout: 0 }, (req, res) => {
      const target = this.#targets.get(req.socket);
      serve(target?.app ?? '', target?.scheme ?? 'http', target?.rpc ?? null, req, res);
    });
  }

  /** Sends `r` to `app` and resolves with its response once the head is in; the body streams. */
  dispatch(app: string, r: ServiceRequest): Promise<Response> {
    const rpcHeader = r.headers.find(([k]) => k.toLowerCase() === RPC_METHOD_HEADER);
    const rpc = rpcHeader === undefined ? null : rpcHeader[1];
    // @limit rpcMaxBytes: the callee's bound on the encoded arguments here, on the result in the pipe below.
    let limit = Infinity;
    if (rpc !== null) {
      if (!RPC_METHOD_NAME.test(rpc)) return Promise.reject(new Error(`"${rpc.slice(0, 40)}" is not an RPC method name`));
      limit = this.#rpcMaxBytes(app);
      if (!(r.body instanceof Uint8Array)) return Promise.reject(new Error('RPC arguments must be sent in memory, not streamed'));
      if (r.body.byteLength > limit) return Promise.reject(new Error(`the RPC arguments are ${r.body.byteLength} bytes encoded, more than app "${app}" accepts (limits.rpcMaxBytes: ${limit})`));
    }
    const [client, server] = duplexPair();
    socketLike(client);
    socketLike(server);
    this.#targets.set(server, { app, scheme: r.url.protocol === 'https:' ? 'https' : 'http', rpc });
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
        if (k.toLowerCase() === RPC_METHOD_HEADER) continue;
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
            if (rpc !== null) capBody(res, limit, app);
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

/** Fails an RPC result's body past `limit` bytes: the caller's read rejects, the callee's stream stops. */
function capBody(res: IncomingMessage, limit: number, app: string): void {
  const declared = Number(res.headers['content-length']);
  let seen = Number.isFinite(declared) ? declared : 0;
  const fail = (): void => void res.destroy(new Error(`the RPC result of app "${app}" is larger than its limits.rpcMaxBytes (${limit} bytes)`));
  if (seen > limit) {
    fail();
    return;
  }
  seen = 0;
  res.on('data', (chunk: Buffer) => {
    seen += chunk.byteLength;
    if (seen > limit) fail();
  });
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
