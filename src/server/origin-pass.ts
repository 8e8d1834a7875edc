// Falls through to an app's `origin` (ctx.passThroughOnException() and then an exception, or a
// service-worker fetch event nobody answered): the client's request goes on to the origin as it
// came — method, path and query under the origin's path, headers (not hop-by-hop ones, not NANO's
// internal ones), the body when the app had not read any of it — and the origin's answer goes
// back. The origin is the operator's own configuration, so the apps' egress policy (fetch.allow)
// does not apply to it; CDN-Loop gets this server's name, so an origin that leads back here ends
// at server.maxLoopHops.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { EDGE_HEADER, RPC_METHOD_HEADER } from '../protocol/bridge.js';
import { sendError } from '../isolates/http-reply.js';

/** Headers of one connection (RFC 9110 §7.6.1), never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

function forwardable(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (!HOP_BY_HOP.has(name) && name !== EDGE_HEADER && name !== RPC_METHOD_HEADER) out.push([raw[i] as string, raw[i + 1] as string]);
  }
  return out;
}

/**
 * Sends `req` on to `origin` and pipes the answer to `res`; `started(status)` runs when the
 * origin's status is known (502 when it could not be reached).
 */
export function forwardToOrigin(origin: string, loopName: string, req: IncomingMessage, res: ServerResponse, started: (status: number) => void): void {
  const base = new URL(origin);
  const target = new URL(base.pathname.replace(/\/$/, '') + (req.url ?? '/'), base);
  const headers = forwardable(req.rawHeaders);
  const loop = headers.findIndex(([k]) => k.toLowerCase() === 'cdn-loop');
  if (loop === -1) headers.push(['CDN-Loop', loopName]);
  else headers[loop] = ['CDN-Loop', `${(headers[loop] as [string, string])[1]}, ${loopName}`];
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const up = send(target, { method: req.method ?? 'GET', headers: headers.flat() as unknown as Record<string, string> }, (answer) => {
    started(answer.statusCode ?? 502);
    const out: string[] = [];
    for (const [k, v] of forwardable(answer.rawHeaders)) out.push(k, v);
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
    answer.pipe(res);
    answer.once('error', () => res.destroy());
  });
  up.once('error', (err) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    started(502);
    sendError(res, 'NANO_ERR_ORIGIN_UNREACHABLE', `the app passed the request through to its origin ${base.origin}, which failed: ${err.message}`, false);
  });
  res.once('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  if (req.readableEnded) up.end();
  else req.pipe(up);
}
