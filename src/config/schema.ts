// The one config schema (zod): it gives the TypeScript types, the validation with defaults, the
// published JSON Schema (scripts/gen-docs.mjs) and the docs' config reference. Each per-app limit
// is written once (LIMIT_TYPES, LIMIT_DOCS) with its default in one of two tables: LIMIT_DEFAULTS
// (also a field of `defaults`) or APP_LIMIT_DEFAULTS (set in an app's own `limits` only).
import { z } from 'zod';

const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const APP_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const allowList = z
  .array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-:]+)(:\d{1,5})?(\/\d{1,3})?$/, 'a host ("api.internal"), host:port ("127.0.0.1:8788"), IP, "[ipv6]:port" or CIDR ("10.0.0.0/8")'))
  .default([]);
/** Console output limits every app gets unless its `limits` say otherwise. */
export const LOG_DEFAULTS = { logLinesPerSec: 500, logBytesPerSec: 1024 * 1024, logLineBytes: 16 * 1024 } as const;
const LOG_LINES = z.number().int().min(1).max(1_000_000);
const LOG_BYTES = z.number().int().min(1024).max(1024 * 1024 * 1024);
const LOG_LINE = z.number().int().min(256).max(64 * 1024);
const RPC_BYTES = z.number().int().min(1024).max(32 * 1024 * 1024);
const RPC_BYTES_DOC = 'Largest encoded argument list an RPC call of this app\'s WorkerEntrypoint methods (`env.BINDING.method()` from another app) may send, and largest encoded result it may return, in bytes; past it the call fails with an error in the caller.';
const LOG_LINES_DOC = 'Console lines per second the app may log (token bucket: also the burst); past it lines are dropped, counted in nano_log_lines_dropped_total and reported in one log line per second.';
const LOG_BYTES_DOC = 'Console bytes (UTF-8) per second the app may log (token bucket: also the burst); past it lines are dropped like past logLinesPerSec.';
const LOG_LINE_DOC = 'Longest console line kept whole, in UTF-8 bytes; a longer line is cut and ends with a "[line truncated …]" marker.';

/** The type of each per-app limit, in the order the config reference lists them. */
const LIMIT_TYPES = {
  memoryMb: z.number().int().min(8).max(4096),
  cpuMs: z.number().int().min(1).max(600_000),
  wallMs: z.number().int().min(1).max(3_600_000),
  maxBodyBytes: z.number().int().min(0),
  subrequests: z.number().int().min(1).max(10_000),
  execution: z.enum(['auto', 'main-thread', 'pool']),
  subrequestTimeoutMs: z.number().int().min(1).max(3_600_000),
  maxInflight: z.number().int().min(1).max(1_000_000),
  rpcMaxBytes: RPC_BYTES,
  logLinesPerSec: LOG_LINES,
  logBytesPerSec: LOG_BYTES,
  logLineBytes: LOG_LINE,
} as const;
export type LimitName = keyof typeof LIMIT_TYPES;

/**
 * The default of each limit that has no `defaults` field: an app sets it in its own `limits`, and
 * an isolate without a fetch policy (host-calls/fetch.ts) gets these.
 */
export const APP_LIMIT_DEFAULTS = { subrequests: 32, subrequestTimeoutMs: 30_000 } as const;
/** The name a server adds to CDN-Loop when `server.loopName` is not set. */
export const LOOP_NAME_DEFAULT = 'nano';

/** What each limit means, as an app's `limits` field. */
const LIMIT_DOCS: Record<LimitName, string> = {
  memoryMb: 'V8 heap limit of the app\'s isolate in MiB. Past it the isolate is disposed and requests get 503.',
  cpuMs: 'CPU time one request may use inside the isolate, in ms, across all its turns (handler, timers, stream pulls).',
  wallMs: 'Wall-clock time until the response starts, in ms.',
  maxBodyBytes: 'Largest request body accepted, in bytes; larger gets 413.',
  subrequests: `Subrequests (fetch() calls) the app may have in flight at once, counted until the response body is read or cancelled; past it fetch() rejects with a TypeError. Default ${APP_LIMIT_DEFAULTS.subrequests}.`,
  execution: 'Where this app\'s code runs (see defaults.execution): "pool" for an app known to need more than a few ms of CPU per request.',
  subrequestTimeoutMs: `Time a subrequest may wait for its response headers, in ms; past it fetch() rejects with a TypeError. Default ${APP_LIMIT_DEFAULTS.subrequestTimeoutMs}.`,
  maxInflight: 'Requests this app may have in flight at once (all its versions); past it new ones get 503 at once.',
  rpcMaxBytes: RPC_BYTES_DOC,
  logLinesPerSec: LOG_LINES_DOC,
  logBytesPerSec: LOG_BYTES_DOC,
  logLineBytes: LOG_LINE_DOC,
};

/** The default of each limit that `defaults` sets for every app (the one table of them). */
export const LIMIT_DEFAULTS = { memoryMb: 128, cpuMs: 1000, wallMs: 30_000, maxBodyBytes: 100 * 1024 * 1024, maxInflight: 1000, rpcMaxBytes: 1024 * 1024, execution: 'auto', ...LOG_DEFAULTS } as const;
type DefaultedLimit = keyof typeof LIMIT_DEFAULTS;
/** Every limit has its default in exactly one of the two tables (a limit left out fails to compile). */
export const ALL_LIMIT_DEFAULTS: { readonly [K in LimitName]: z.output<(typeof LIMIT_TYPES)[K]> } = { ...LIMIT_DEFAULTS, ...APP_LIMIT_DEFAULTS };
/** How long an app's isolate may sit without requests before it is disposed (0: never); `defaults` only. */
const IDLE_EVICT_MS = 300_000;

/** The `defaults` field of a limit: its type with the default, and what it is the default of. */
function limitDefault<K extends DefaultedLimit>(name: K, doc = `Default of limits.${name} for apps that do not set it.`): z.ZodDefault<(typeof LIMIT_TYPES)[K]> {
  const type = LIMIT_TYPES[name] as unknown as { default(value: unknown): z.ZodDefault<(typeof LIMIT_TYPES)[K]> };
  return type.default(LIMIT_DEFAULTS[name]).describe(doc);
}

/** An app's `limits`: every limit, each optional (a field left out takes its value from `defaults`). */
export const limitsSchema = z
  .object(Object.fromEntries(Object.entries(LIMIT_TYPES).map(([name, type]) => [name, type.describe(LIMIT_DOCS[name as LimitName]).optional()])) as { [K in LimitName]: z.ZodOptional<(typeof LIMIT_TYPES)[K]> })
  .strict();

export const secretSchema = z.union([
  z.object({ fromEnv: z.string().regex(ENV_NAME, 'an environment variable name') }).strict(),
  z.object({ fromFile: z.string().min(1) }).strict(),
  z.object({ encrypted: z.string().regex(/^nano:v[12]:/, 'a value made by `nano secret encrypt`') }).strict(),
]);

export const appSchema = z
  .object({
    name: z.string().regex(APP_NAME, 'lowercase letters, digits, "-" or "_", starting with a letter or digit').describe('Unique app name, used in logs, metrics and the admin API.'),
    path: z.string().min(1).describe('App directory (its entry is index.js, worker.js, main.js or the "main" of its package.json), a Workers project (wrangler.toml/json/jsonc, TypeScript, npm packages: built with esbuild, see "Coming from Cloudflare Workers"), or a single .js/.mjs/.ts file; relative to the config file.'),
    entry: z.string().min(1).optional().describe('Entry module inside the app directory, when it is not one of the defaults (for a Workers project: instead of wrangler\'s `main`).'),
    origin: z
      .string()
      .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol) && new URL(u).username === '' && new URL(u).password === '' && new URL(u).search === '' && new URL(u).hash === '', 'an absolute http(s) URL without credentials, query or fragment, like "http://127.0.0.1:8080" or "https://backend.internal/base"')
      .optional()
      .describe('The server a request falls through to when the app calls `ctx.passThroughOnException()` and then throws, or a service-worker fetch event gets no `respondWith()`: NANO sends the client\'s request on (method, path and query under this URL\'s path, headers, and the body when the app read none of it) and returns the answer. Configured by the operator, so the apps\' `fetch.allow` policy does not apply to it. Without it such requests get 500 NANO_ERR_NO_ORIGIN.'),
    wranglerEnv: z.string().regex(/^[A-Za-z0-9_-]+$/, 'an environment name like "staging"').optional().describe('For a Workers project: the wrangler environment to apply (`[env.staging]` in wrangler.toml, `"env": { "staging": … }` in wrangler.jsonc), as `wrangler --env` does: its `name` (default `<name>-<env>`), `main` (inherited), `vars` and `services` (not inherited). `nano serve --app DIR --env NAME` sets it.'),
    devVars: z.boolean().default(false).describe('Read the app directory\'s `.dev.vars` (dotenv format; `.dev.vars.<env>` first when `wranglerEnv` is set) into `env`, over wrangler `vars`, as `wrangler dev` does; nano.json `env` and `secrets` still win. Off by default so a local secrets file left in a deployed directory never changes a served env unnoticed (NANO logs a warning when it finds one unread). `nano serve --app DIR --dev-vars` sets it.'),
    hostnames: z
      .array(z.string().transform((h) => h.toLowerCase()).pipe(z.string().regex(HOSTNAME, 'a hostname like "api.example.com" or a wildcard like "*.example.com" (no port, no scheme)')))
      .default([])
      .describe('Host header values routed to this app: exact names (case-insensitive, port ignored) or "*.domain" wildcards.'),
    default: z.boolean().default(false).describe('Serve requests whose Host matches no app. At most one app may be the default.'),
    env: z.record(z.string().regex(ENV_NAME, 'a binding name like API_URL'), z.json()).default({}).describe('Bindings passed to the handler as `env` (strings or any JSON value), deeply frozen.'),
    secrets: z.record(z.string().regex(ENV_NAME, 'a binding name like API_KEY'), secretSchema).default({}).describe('Bindings whose values come from the host environment, a file or an encrypted value; never logged or shown.'),
    limits: limitsSchema.default({}).describe('Resource limits of this app; a field left out takes its value from `defaults`.'),
    fetch: z
      .object({ allow: allowList.describe('Destinations this app may fetch() although NANO refuses them by default, added to the config-wide `fetch.allow` (same entry shapes).') })
      .strict()
      .default({ allow: [] })
      .describe('Outbound fetch() of this app.'),
    services: z
      .array(
        z
          .object({
            binding: z.string().regex(ENV_NAME, 'a binding name like AUTH').describe('The name in `env` (module syntax) or the global (service-worker syntax).'),
            service: z.string().regex(APP_NAME, 'the name of an app in this config').describe('The app of this config that `env.BINDING.fetch(request)` and `env.BINDING.method(…)` (RPC to its WorkerEntrypoint class) call.'),
          })
          .strict(),
      )
      .default([])
      .describe('Service bindings: `env.BINDING.fetch(request)` sends the request to another app of this process without a network hop, with the callee\'s own limits, and counts it among the caller\'s subrequests; `env.BINDING.method(args)` calls a method of the callee\'s WorkerEntrypoint class the same way, arguments and result copied (structured clone, at most `limits.rpcMaxBytes` encoded).'),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional().describe('Path or URL of schema/nano.schema.json, for editor completion; ignored by nano.'),
    server: z
      .object({
        host: z.string().default('127.0.0.1').describe('Address the HTTP listener binds to. Changing it needs a restart.'),
        port: z.number().int().min(0).max(65535).default(8787).describe('HTTP port; 0 picks a free one (printed on start). Changing it needs a restart.'),
        drainTimeoutMs: z.number().int().min(0).default(30_000).describe('How long a drain (SIGTERM/SIGINT, a replaced app version, a removed app) waits for in-flight requests and waitUntil work before cutting them. On shutdown, cutting makes nano exit 1.'),
        loopName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a token like "nano" or "edge-1.example.com"').default(LOOP_NAME_DEFAULT).describe('The name this server adds to the CDN-Loop header (RFC 8586) of every subrequest its apps make. Servers that pass requests to each other may share it: hops through any of them count together.'),
        maxLoopHops: z.number().int().min(1).max(1000).default(16).describe('A request whose CDN-Loop header already lists `loopName` more than this many times gets 508 Loop Detected (an app fetching its own hostname, directly or through other servers).'),
        headersTimeoutMs: z.number().int().min(1000).max(600_000).default(60_000).describe('Time a client has to send a request\'s headers, in ms; past it the connection is closed (408).'),
        requestTimeoutMs: z.number().int().min(0).max(86_400_000).default(300_000).describe('Time a client has to send a whole request, body included, in ms (0: no limit); past it the connection is closed (408).'),
        bodyIdleTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000).describe('After NANO has answered a request, how long the rest of its body may keep the connection with no bytes arriving, in ms (a client trickling a body after a 413 or a time limit); then the connection is closed.'),
        maxConnections: z.number().int().min(0).default(10_000).describe('Open client connections at most (0: no limit); connections past it are closed at once.'),
        trustedProxies: z.array(z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'an IP address or CIDR like "10.0.0.0/8"')).default([]).describe('Addresses (IPs or CIDRs) of reverse proxies in front of NANO. Only from these are Forwarded, X-Forwarded-For and X-Forwarded-Proto believed: `request.url` then has the client\'s scheme and CF-Connecting-IP the client\'s address. Default: none (the peer is the client).'),
        forwardedHeader: z
          .enum(['x-forwarded-for', 'forwarded'])
          .default('x-forwarded-for')
          .describe('Which header the trusted proxies write the client\'s hop into: "x-forwarded-for" (with X-Forwarded-Proto; what nginx, Caddy and ingress-nginx set) or "forwarded" (RFC 7239). Only that one is read: a proxy passes the other through from the client unchanged, so reading it would let a client choose its own address and scheme.'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8787, drainTimeoutMs: 30_000, loopName: LOOP_NAME_DEFAULT, maxLoopHops: 16, headersTimeoutMs: 60_000, requestTimeoutMs: 300_000, bodyIdleTimeoutMs: 30_000, maxConnections: 10_000, trustedProxies: [], forwardedHeader: 'x-forwarded-for' })
      .describe('The traffic listener. /healthz and /readyz are answered here, before routing to apps.'),
    admin: z
      .object({
        host: z.string().default('127.0.0.1').describe('Address the admin listener binds to. Keep it on loopback or a private network.'),
        port: z.number().int().min(0).max(65535).default(8788).describe('Admin listener port (admin API and /metrics); 0 picks a free one.'),
        token: z.string().min(16, 'at least 16 characters').optional().describe('Bearer token for the admin API (at least 16 characters). Prefer tokenFromEnv, so the config holds no credential.'),
        tokenFromEnv: z.string().regex(ENV_NAME, 'an environment variable name').default('NANO_ADMIN_TOKEN').describe('Environment variable holding the admin token, used when `token` is not set (read once at start, then removed from the environment). With no token from either, the admin API is off.'),
        appRoots: z.array(z.string().min(1)).default(['.']).describe('Directories (relative to the config file) that an app added or replaced through the admin API must lie in: its `path`, after resolving links, is inside one of them or the change is refused (403). Default: the config file\'s directory.'),
        secretSources: z
          .object({
            env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, 'a variable name, or a prefix ending in "*" like "APP_*"')).default([]).describe('Environment variables an admin-API app may name in `fromEnv`: exact names or prefixes ending in "*". NANO\'s own credentials are never allowed.'),
            files: z.array(z.string().min(1)).default([]).describe('Directories (relative to the config file) an admin-API app\'s `fromFile` must lie in, after resolving links.'),
          })
          .strict()
          .default({ env: [], files: [] })
          .describe('Where secrets of apps added or replaced through the admin API may come from. Default: nowhere (`fromEnv` and `fromFile` are refused; `encrypted` values work). Apps in the config file are not restricted.'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8788, tokenFromEnv: 'NANO_ADMIN_TOKEN', appRoots: ['.'], secretSources: { env: [], files: [] } })
      .describe('The admin API and /metrics, on their own listener. Admin settings apply at start; changing them needs a restart.'),
    workers: z
      .union([z.number().int().min(1).max(256), z.literal('auto')])
      .default(1)
      .describe('Worker processes serving the traffic port (`nano serve --workers`). 1: one process, no supervisor. More: a supervisor process starts that many workers, each hosting every app; a worker that dies is replaced at once and only its in-flight requests fail. "auto": one per CPU core. Changing it needs a restart.'),
    recycle: z
      .object({
        maxRssMb: z.number().int().min(64).max(1_048_576).optional().describe('With workers > 1: a worker whose resident memory (RSS) stays above this many MiB for a minute is replaced, one at a time, the new one ready before the old one drains (isolates keep their memory after disposal; a new process returns it). Unset: never.'),
      })
      .strict()
      .default({})
      .describe('Replacing worker processes to return memory. Applies at start.'),
    watch: z
      .object({
        enabled: z.boolean().default(true).describe('Watch the config file and every app directory and reload on change (`nano serve --no-watch` turns it off).'),
        debounceMs: z.number().int().min(0).max(60_000).default(200).describe('Quiet time after the last file change before a reload starts, so a burst of writes gives one reload.'),
      })
      .strict()
      .default({ enabled: true, debounceMs: 200 })
      .describe('Hot reload. SIGHUP and POST /admin/reload reload too, watched or not.'),
    defaults: z
      .object({
        memoryMb: limitDefault('memoryMb'),
        cpuMs: limitDefault('cpuMs'),
        wallMs: limitDefault('wallMs'),
        maxBodyBytes: limitDefault('maxBodyBytes'),
        idleEvictMs: z.number().int().min(0).default(IDLE_EVICT_MS).describe('Dispose an app\'s isolate after this long without requests (0: never).'),
        maxInflight: limitDefault('maxInflight'),
        rpcMaxBytes: limitDefault('rpcMaxBytes', `Default of limits.rpcMaxBytes. ${RPC_BYTES_DOC}`),
        execution: limitDefault('execution', 'Where app code runs: "main-thread" enters isolates synchronously (lowest latency, but an app\'s long turn stops every app for up to its cpuMs), "pool" on isolated-vm\'s threads (CPU-heavy apps in parallel), "auto" starts on the main thread with a 50 ms slice per entry (200 ms for an entry whose stop would lose work: a request that cannot be replayed, background work; both stretched while the machine starves the process) and moves an app to the pool for good after one turn over 20 ms, a higher average, or a turn stopped at the slice (that request gets 503 with Retry-After: 0).'),
        logLinesPerSec: limitDefault('logLinesPerSec', `Default of limits.logLinesPerSec. ${LOG_LINES_DOC}`),
        logBytesPerSec: limitDefault('logBytesPerSec', `Default of limits.logBytesPerSec. ${LOG_BYTES_DOC}`),
        logLineBytes: limitDefault('logLineBytes', `Default of limits.logLineBytes. ${LOG_LINE_DOC}`),
      })
      .strict()
      .default({ ...LIMIT_DEFAULTS, idleEvictMs: IDLE_EVICT_MS })
      .describe('Limits and behaviour every app gets unless its own `limits` say otherwise.'),
    fetch: z
      .object({ allow: allowList.describe('Destinations every app may fetch() although NANO refuses them by default. Refused by default: loopback (127.0.0.0/8, ::1), private networks (10/8, 172.16/12, 192.168/16, fc00::/7), carrier-grade NAT (100.64.0.0/10), link-local (169.254.0.0/16, fe80::/10) and cloud metadata addresses and names, multicast, unspecified and reserved addresses, IPv6 forms that embed such an IPv4 address (::ffff:, 64:ff9b::, 2002::), and this server\'s own listeners (which only an entry naming their port opens). `nano check` says what each entry permits.') })
      .strict()
      .default({ allow: [] })
      .describe('Outbound fetch() from apps.'),
    apps: z.array(appSchema).min(1, 'at least one app').describe('The apps to serve. Each runs in its own isolate; a request goes to the app whose hostnames match its Host header.'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = new Map<string, number>();
    const hosts = new Map<string, number>();
    let defaults = 0;
    cfg.apps.forEach((app, i) => {
      const prev = names.get(app.name);
      if (prev !== undefined) ctx.addIssue({ code: 'custom', path: ['apps', i, 'name'], message: `duplicate app name "${app.name}" (also apps[${prev}].name); give each app a unique name` });
      names.set(app.name, i);
      app.hostnames.forEach((h, j) => {
        const p = hosts.get(h);
        if (p !== undefined) ctx.addIssue({ code: 'custom', path: ['apps', i, 'hostnames', j], message: `hostname "${h}" is already routed to apps[${p}]; each hostname routes to one app` });
        hosts.set(h, i);
      });
      const bindings = new Set<string>();
      app.services.forEach((b, j) => {
        if (!cfg.apps.some((a) => a.name === b.service)) ctx.addIssue({ code: 'custom', path: ['apps', i, 'services', j, 'service'], message: `no app named "${b.service}" in this config; name one of its apps` });
        if (Object.hasOwn(app.env, b.binding) || Object.hasOwn(app.secrets, b.binding) || bindings.has(b.binding)) {
          ctx.addIssue({ code: 'custom', path: ['apps', i, 'services', j, 'binding'], message: `"${b.binding}" is already a binding of this app (env, secrets or another service); give each binding its own name` });
        }
        bindings.add(b.binding);
      });
      for (const name of Object.keys(app.secrets)) {
        if (Object.hasOwn(app.env, name)) ctx.addIssue({ code: 'custom', path: ['apps', i, 'secrets', name], message: `"${name}" is also in env; a binding is either a plain env value or a secret, remove one` });
      }
      if (app.default) defaults++;
      if (app.hostnames.length === 0 && !app.default && cfg.apps.length > 1) {
        ctx.addIssue({ code: 'custom', path: ['apps', i, 'hostnames'], message: 'this app has no hostnames and is not the default, so no request can reach it; add a hostname or set "default": true' });
      }
    });
    if (defaults > 1) ctx.addIssue({ code: 'custom', path: ['apps'], message: `${defaults} apps set "default": true; at most one app may be the default` });
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type AppConfig = z.output<typeof appSchema>;
export type Limits = z.output<typeof limitsSchema>;
