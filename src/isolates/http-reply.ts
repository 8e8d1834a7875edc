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

export function sendError(res: ServerResponse, code: ErrorCode, message: string, close: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = ERRORS[code].status || 500;
  const body = errorBody(code, message);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}
