// Small HTTP reply helpers shared by the server and app instances: NANO's own error responses
// (a registry code and a short message as JSON, never a stack) and the
// framing of an app's response (which headers of the app's the server sends).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS, errorBody, type ErrorCode } from '../errors/registry.js';

/**
 * The requests that arrived over https, as the server decided it (see server/edge.ts). Only those
 * are recorded: plain http, the common case, costs no WeakMap entry (an insertion per request and
 * an ephemeron for the GC).
 */
const https = new WeakSet<IncomingMessage>();
/** Records the scheme of a new request (once per request). */
export function setRequestScheme(req: IncomingMessage, scheme: 'http' | 'https'): void {
  if (scheme === 'https') https.add(req);
}
/** The scheme of `request.url` for this request: "http" unless the server said otherwise. */
export function requestScheme(req: IncomingMessage): 'http' | 'https' {
  return https.has(req) ? 'https' : 'http';
}

/** NANO's own error response; `retryAfterS` adds a Retry-After header (backoff, restarts). */
export function sendError(res: ServerResponse, code: ErrorCode, message: string, close: boolean, retryAfterS?: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = ERRORS[code].status || 500;
  const body = errorBody(code, message);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (close) headers.connection = 'close';
  if (retryAfterS !== undefined) headers['retry-after'] = String(retryAfterS);
  res.writeHead(status, headers);
  res.end(body);
}

const EMPTY = Buffer.alloc(0);

/**
 * Ends a response whose body failed midway so that the client sees a truncated body, never a
 * complete one: what was written reaches the client, then the connection closes without the final
 * chunk. Node may hold written chunks in the response until a later tick, so the socket is ended
 * from the callback of an empty write, which runs once everything written before it has been
 * handed to the socket (and it also sends the status line and headers of a body that failed
 * before its first byte).
 */
export function cutAfterFlush(res: ServerResponse): void {
  const socket = res.socket;
  if (socket === null || res.destroyed) {
    res.destroy();
    return;
  }
  res.write(EMPTY, () => {
    socket.end();
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, which is the server's, so
 * an app's values are dropped (Node frames the response itself).
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/**
 * The headers to send for an app's response (a flat [name, value, …] list, names lowercase).
 * Hop-by-hop headers, and any header the app's Connection header names, are dropped. The
 * Content-Length is the server's: a body known in full gets its true length; a streamed body
 * gets none (Node sends it chunked), since an app's figure (often an upstream's, before undici
 * decoded the body) cannot be checked before the bytes are sent; a response without a body keeps
 * a single valid Content-Length only where it describes a body not sent (HEAD, 304), and 1xx/204
 * responses carry none.
 *
 * `body` is the byte length of a body known in full, 'stream', or null for no body.
 */
export function frameResponseHeaders(flat: readonly string[], status: number, head: boolean, body: number | 'stream' | null): string[] {
  // Allocated only for a response that has a Connection or Content-Length header (most have neither).
  let named: Set<string> | undefined;
  let lengths: string[] | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i] as string;
    if (name === 'connection') for (const token of (flat[i + 1] as string).split(',')) (named ??= new Set()).add(token.trim().toLowerCase());
    if (name === 'content-length') (lengths ??= []).push((flat[i + 1] as string).trim());
  }
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i] as string;
    if (HOP_BY_HOP.has(name) || named?.has(name) === true || name === 'content-length') continue;
    out.push(name, flat[i + 1] as string);
  }
  if (typeof body === 'number') out.push('content-length', String(body));
  else if (body === null && (head || status === 304) && lengths !== undefined && lengths.every((l) => l === lengths[0] && /^\d{1,15}$/.test(l))) out.push('content-length', lengths[0] as string);
  else if (body === null && !head && status !== 304 && status !== 204 && status >= 200) out.push('content-length', '0');
  return out;
}
