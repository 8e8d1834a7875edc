// The admin API's HTTP helpers, shared by the single process's listener and the supervisor's:
// the JSON body reader (1 MiB), JSON answers, and an error's status and {error:{code,message}} body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode } from '../errors/registry.js';
import { AdminRequestError, describeAdminError, describeConfigError } from '../reload/admin-error.js';

const MAX_BODY = 1024 * 1024;

/** HTTP status of an admin error: request-ending codes keep theirs; config and load problems are 422. */
export function statusOf(code: ErrorCode): number {
  if (code.startsWith('NANO_ERR_ADMIN_')) return ERRORS[code].status;
  if (code === 'NANO_ERR_APP_DRAINING') return 503;
  if (code === 'NANO_ERR_INTERNAL') return 500;
  return 422;
}

/** The status and body of a failed admin request; `describe` turns other errors into code and problems. */
export function errorReply(err: unknown, describe: (err: unknown) => { code: ErrorCode; problems: string[] } = describeConfigError): { status: number; body: { error: Record<string, unknown> } } {
  const { code, problems } = describeAdminError(err, describe);
  const body: Record<string, unknown> = { code, message: problems.length === 1 ? (problems[0] ?? '') : `${problems.length} problems; see "problems"` };
  if (err instanceof AdminRequestError ? err.problems.length > 0 : problems.length > 1) body.problems = problems;
  return { status: statusOf(code), body: { error: body } };
}

export async function readJson(req: IncomingMessage, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.byteLength;
    if (size > MAX_BODY) throw new AdminRequestError('NANO_ERR_ADMIN_BAD_REQUEST', 'the request body is over 1 MiB');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    if (optional) return undefined;
    throw new AdminRequestError('NANO_ERR_ADMIN_BAD_REQUEST', 'the request body is empty; send the app entry as JSON');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AdminRequestError('NANO_ERR_ADMIN_BAD_REQUEST', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' }).end(body);
}

/** The body of POST /admin/reload, if any: {"discardOverlays": true|false}. */
export function discardOverlaysOf(body: unknown): boolean {
  const ok = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).every((k) => k === 'discardOverlays'));
  const v = ok && body !== undefined ? (body as { discardOverlays?: unknown }).discardOverlays : undefined;
  if (!ok || (v !== undefined && typeof v !== 'boolean')) throw new AdminRequestError('NANO_ERR_ADMIN_BAD_REQUEST', 'the body, if any, must be {"discardOverlays": true|false}');
  return v === true;
}
