// The one config schema (zod): it gives the TypeScript types, the validation with defaults, the
// published JSON Schema (scripts/gen-config-schema) and the docs' config reference.
import { z } from 'zod';

const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const APP_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const limitsSchema = z
  .object({
    memoryMb: z.number().int().min(8).max(4096).describe('V8 heap limit of the app\'s isolate in MiB. Past it the isolate is disposed and requests get 503.').optional(),
    cpuMs: z.number().int().min(1).max(600_000).describe('CPU time one request may use inside the isolate, in ms, across all its turns (handler, timers, stream pulls).').optional(),
    wallMs: z.number().int().min(1).max(3_600_000).describe('Wall-clock time until the response starts, in ms.').optional(),
    maxBodyBytes: z.number().int().min(0).describe('Largest request body accepted, in bytes; larger gets 413.').optional(),
    subrequests: z.number().int().min(1).max(10_000).describe('Subrequests (fetch() calls) the app may have in flight at once, counted until the response body is read or cancelled; past it fetch() rejects with a TypeError. Default 32.').optional(),
    subrequestTimeoutMs: z.number().int().min(1).max(3_600_000).describe('Time a subrequest may wait for its response headers, in ms; past it fetch() rejects with a TypeError. Default 30000.').optional(),
  })
  .strict();

export const secretSchema = z.union([
  z.object({ fromEnv: z.string().regex(ENV_NAME, 'an environment variable name') }).strict(),
  z.object({ fromFile: z.string().min(1) }).strict(),
  z.object({ encrypted: z.string().regex(/^nano:v1:/, 'a value made by `nano secret encrypt`') }).strict(),
]);

export const appSchema = z
  .object({
    name: z.string().regex(APP_NAME, 'lowercase letters, digits, "-" or "_", starting with a letter or digit').describe('Unique app name, used in logs, metrics and the admin API.'),
    path: z.string().min(1).describe('App directory (its entry is index.js, worker.js, main.js or the "main" of its package.json), a Workers project (wrangler.toml/json/jsonc, TypeScript, npm packages: built with esbuild, see "Coming from Cloudflare Workers"), or a single .js/.mjs/.ts file; relative to the config file.'),
    entry: z.string().min(1).optional().describe('Entry module inside the app directory, when it is not one of the defaults (for a Workers project: instead of wrangler\'s `main`).'),
    hostnames: z
      .array(z.string().transform((h) => h.toLowerCase()).pipe(z.string().regex(HOSTNAME, 'a hostname like "api.example.com" or a wildcard like "*.example.com" (no port, no scheme)')))
      .default([])
      .describe('Host header values routed to this app: exact names (case-insensitive, port ignored) or "*.domain" wildcards.'),
    default: z.boolean().default(false).describe('Serve requests whose Host matches no app. At most one app may be the default.'),
    env: z.record(z.string().regex(ENV_NAME, 'a binding name like API_URL'), z.json()).default({}).describe('Bindings passed to the handler as `env` (strings or any JSON value), deeply frozen.'),
    secrets: z.record(z.string().regex(ENV_NAME, 'a binding name like API_KEY'), secretSchema).default({}).describe('Bindings whose values come from the host environment, a file or an encrypted value; never logged or shown.'),
    limits: limitsSchema.default({}).describe('Resource limits of this app; a field left out takes its value from `defaults`.'),
    services: z
      .array(
        z
          .object({
            binding: z.string().regex(ENV_NAME, 'a binding name like AUTH').describe('The name in `env` (module syntax) or the global (service-worker syntax).'),
            service: z.string().regex(APP_NAME, 'the name of an app in this config').describe('The app of this config that `env.BINDING.fetch(request)` calls.'),
          })
          .strict(),
      )
      .default([])
      .describe('Service bindings: `env.BINDING.fetch(request)` sends the request to another app of this process without a network hop, with the callee\'s own limits, and counts it among the caller\'s subrequests.'),
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
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8787, drainTimeoutMs: 30_000 })
      .describe('The traffic listener. /healthz and /readyz are answered here, before routing to apps.'),
    admin: z
      .object({
        host: z.string().default('127.0.0.1').describe('Address the admin listener binds to. Keep it on loopback or a private network.'),
        port: z.number().int().min(0).max(65535).default(8788).describe('Admin listener port (admin API and /metrics); 0 picks a free one.'),
        token: z.string().min(16, 'at least 16 characters').optional().describe('Bearer token for the admin API (at least 16 characters). Prefer tokenFromEnv, so the config holds no credential.'),
        tokenFromEnv: z.string().regex(ENV_NAME, 'an environment variable name').default('NANO_ADMIN_TOKEN').describe('Environment variable holding the admin token, used when `token` is not set. With no token from either, the admin API is off.'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8788, tokenFromEnv: 'NANO_ADMIN_TOKEN' })
      .describe('The admin API and /metrics, on their own listener. Admin settings apply at start; changing them needs a restart.'),
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
        memoryMb: z.number().int().min(8).max(4096).default(128).describe('Default of limits.memoryMb for apps that do not set it.'),
        cpuMs: z.number().int().min(1).max(600_000).default(1000).describe('Default of limits.cpuMs for apps that do not set it.'),
        wallMs: z.number().int().min(1).max(3_600_000).default(30_000).describe('Default of limits.wallMs for apps that do not set it.'),
        maxBodyBytes: z.number().int().min(0).default(100 * 1024 * 1024).describe('Default of limits.maxBodyBytes for apps that do not set it.'),
        idleEvictMs: z.number().int().min(0).default(300_000).describe('Dispose an app\'s isolate after this long without requests (0: never).'),
        execution: z.enum(['auto', 'main-thread', 'pool']).default('auto').describe('Where app code runs: "main-thread" enters isolates synchronously (lowest latency), "pool" on isolated-vm\'s threads (CPU-heavy apps in parallel), "auto" starts on the main thread and moves an app to the pool when its requests use more CPU.'),
      })
      .strict()
      .default({ memoryMb: 128, cpuMs: 1000, wallMs: 30_000, maxBodyBytes: 100 * 1024 * 1024, idleEvictMs: 300_000, execution: 'auto' })
      .describe('Limits and behaviour every app gets unless its own `limits` say otherwise.'),
    fetch: z
      .object({
        allow: z
          .array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-:]+)(:\d{1,5})?(\/\d{1,3})?$/, 'a host ("api.internal"), host:port ("127.0.0.1:8788"), IP, "[ipv6]:port" or CIDR ("10.0.0.0/8")'))
          .default([])
          .describe('Destinations apps may fetch() although NANO refuses them by default: link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, metadata.google.internal) and this server\'s own listeners (traffic and admin ports). Other addresses, loopback and private networks included, are allowed.'),
      })
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
