// Small HTTP reply helpers shared by the server and app instances: NANO's own error responses
// (a registry code and a short message as JSON, never a stack) and header-list editing.
import type { ServerResponse } from 'node:http';
import { ERRORS, errorBody, type ErrorCode } from '../errors/registry.js';

/** Removes every `lower` header from a flat [name, value, …] list (names are lowercase). */
export function withoutHeader(flat: string[], lower: string): string[] {
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === lower) return flat.filter((_, j) => (j % 2 === 0 ? flat[j] !== lower : flat[j - 1] !== lower));
  }
  return flat;
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
