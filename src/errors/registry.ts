// Every error NANO reports has a stable NANO_ERR_* code here, split into "your config or app is
// wrong" (user) and "NANO failed" (internal). Responses, logs and the docs' error page use these.

export type ErrorKind = 'user' | 'internal';
export interface ErrorSpec {
  readonly kind: ErrorKind;
  /** HTTP status when the error ends a request; 0 when it never does. */
  readonly status: number;
  /** What it means and what to do, for logs and the docs. */
  readonly description: string;
}

export const ERRORS = {
  NANO_ERR_CONFIG_INVALID: { kind: 'user', status: 0, description: 'The config file failed validation; each problem names the file, the field and the fix. A running server keeps its last good config.' },
  NANO_ERR_CONFIG_READ: { kind: 'user', status: 0, description: 'The config file could not be read or is not valid JSON.' },
  NANO_ERR_APP_LOAD: { kind: 'user', status: 503, description: 'The app failed to load: a syntax error, a missing module, an import outside the app directory, or a top-level throw.' },
  NANO_ERR_APP_BUILD: { kind: 'user', status: 0, description: 'NANO could not build the Workers project (TypeScript, npm packages): each error names file:line:column with a code frame. At start nano exits 1; on a reload the running version keeps serving.' },
  NANO_ERR_APP_EXCEPTION: { kind: 'user', status: 500, description: 'The app threw or rejected while handling the request; the stack is in the log.' },
  NANO_ERR_NO_ORIGIN: { kind: 'user', status: 500, description: 'The handler called ctx.passThroughOnException() and then threw (or a service-worker fetch event got no respondWith()), but the app has no `origin` to pass the request to, or had already read part of its body; set `origin` or fix the exception (the stack is in the log).' },
  NANO_ERR_ORIGIN_UNREACHABLE: { kind: 'user', status: 502, description: 'The app passed a request through to its `origin`, which could not be reached or failed before answering.' },
  NANO_ERR_APP_BAD_RESPONSE: { kind: 'user', status: 500, description: 'The handler did not return a usable Response.' },
  NANO_ERR_CPU_LIMIT: { kind: 'user', status: 503, description: 'The request used more CPU time than the app\'s limits.cpuMs; the app gets a fresh isolate.' },
  NANO_ERR_MEMORY_LIMIT: { kind: 'user', status: 503, description: 'The app\'s isolate exceeded limits.memoryMb and was disposed; the app gets a fresh isolate.' },
  NANO_ERR_WALL_LIMIT: { kind: 'user', status: 503, description: 'The request took longer than the app\'s limits.wallMs.' },
  NANO_ERR_BODY_TOO_LARGE: { kind: 'user', status: 413, description: 'The request body is larger than the app\'s limits.maxBodyBytes.' },
  NANO_ERR_BAD_REQUEST: { kind: 'user', status: 400, description: 'The request\'s Host header or target is malformed (a Host must be a name, IPv4 or [IPv6] address with an optional port; a target is a path or an absolute http(s) URL).' },
  NANO_ERR_APP_OVERLOADED: { kind: 'user', status: 503, description: 'The app already has limits.maxInflight (defaults.maxInflight) requests in flight; retry later or raise the limit.' },
  NANO_ERR_NO_APP: { kind: 'user', status: 404, description: 'No app is configured for the request\'s Host header and there is no default app.' },
  NANO_ERR_LOOP_DETECTED: { kind: 'user', status: 508, description: 'The request\'s CDN-Loop header lists this server (server.loopName) more than server.maxLoopHops times: an app fetches its own hostname, directly or through other servers. Break the loop in the app.' },
  NANO_ERR_APP_DRAINING: { kind: 'user', status: 503, description: 'The app is being removed or replaced, or the server is shutting down; retry.' },
  NANO_ERR_SECRET_UNAVAILABLE: { kind: 'user', status: 0, description: 'A secret could not be resolved: its environment variable is not set, its file cannot be read, or NANO_SECRET_KEY is missing or wrong for an encrypted value. Startup fails; a reload keeps the running version. The message names the app and the binding, never the value.' },
  NANO_ERR_DRAIN_TIMEOUT: { kind: 'user', status: 0, description: 'A drain (shutdown, reload or app removal) reached server.drainTimeoutMs with requests or waitUntil work still running; they were cut, and the log line names them. On shutdown the exit status is 1.' },
  NANO_ERR_LOG_RATE: { kind: 'user', status: 0, description: 'The app logged more console lines or bytes per second than limits.logLinesPerSec / limits.logBytesPerSec allow; the lines over it were dropped, counted in nano_log_lines_dropped_total, and one warning per second says how many. Log less, or raise the limit.' },
  NANO_ERR_HOST_LIMIT: { kind: 'user', status: 0, description: 'The app asked the host for more than one of its per-app bounds allows (crypto jobs waiting, compression streams or their buffered bytes, WebAssembly memory, text decoding input); that call failed with a web error (QuotaExceededError, TypeError or RangeError) and the log line names the app and the bound. See the security guide for each bound.' },
  NANO_ERR_ADMIN_UNAUTHORIZED: { kind: 'user', status: 401, description: 'The admin API request has no bearer token or the wrong one; send `Authorization: Bearer <token>`.' },
  NANO_ERR_ADMIN_NOT_FOUND: { kind: 'user', status: 404, description: 'No such admin route, or no app of that name.' },
  NANO_ERR_ADMIN_METHOD: { kind: 'user', status: 405, description: 'The admin route exists but not for this HTTP method; the Allow header lists the methods.' },
  NANO_ERR_ADMIN_BAD_REQUEST: { kind: 'user', status: 400, description: 'The admin request body is not a JSON object, is over 1 MiB, or names a different app than the URL.' },
  NANO_ERR_ADMIN_FORBIDDEN: { kind: 'user', status: 403, description: 'An app sent to the admin API names a path outside admin.appRoots, a secret file outside admin.secretSources.files, or an environment variable not in admin.secretSources.env (NANO\'s own credentials never are). Widen the config\'s lists or use an encrypted secret.' },
  NANO_ERR_ADMIN_CONFLICT: { kind: 'user', status: 409, description: 'POST /admin/apps names an app that already exists; use PUT /admin/apps/:name to replace it.' },
  NANO_ERR_APP_PROTOCOL: { kind: 'user', status: 502, description: 'The app\'s isolate handed the host a value that breaks the runtime\'s contract (typically after the app patched a built-in such as Uint8Array or Array.prototype). The request fails, the log names the value, and the app gets a fresh isolate.' },
  NANO_ERR_APP_BACKOFF: { kind: 'user', status: 503, description: 'The app keeps failing to start or keeps hitting its limits, so NANO restarts it with exponential backoff (up to a minute); until then its requests get this answer at once, with Retry-After. The log has the failure that started the backoff.' },
  NANO_ERR_ISOLATE_RESTARTED: { kind: 'internal', status: 503, description: 'The app\'s isolate was restarted while this request was in flight (another request hit a limit).' },
  NANO_ERR_INTERNAL: { kind: 'internal', status: 500, description: 'NANO failed; the log has the details.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** The JSON body of an error response: a code and a short message, never a stack or a path. */
export function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** An error carrying a registry code; thrown by NANO's own code paths. */
export class NanoError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NanoError';
    this.code = code;
  }
}
