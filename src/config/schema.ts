// The one config schema (zod): it gives the TypeScript types, the validation with defaults, the
// published JSON Schema (scripts/gen-config-schema) and the docs' config reference.
import { z } from 'zod';

const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const APP_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const limitsSchema = z
  .object({
    memoryMb: z.number().int().min(8).max(4096).describe('V8 heap limit of the app\'s isolate in MiB. Past it the isolate is disposed and requests get 503.').optional(),
    cpuMs: z.number().int().min(1).max(600_000).describe('CPU time one request may use inside the isolate, in ms, across all its turns (handler, timers, stream pulls).').optional(),
    wallMs: z.number().int().min(1).max(3_600_000).describe('Wall-clock time until the response starts, in ms.').optional(),
    maxBodyBytes: z.number().int().min(0).describe('Largest request body accepted, in bytes; larger gets 413.').optional(),
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
    path: z.string().min(1).describe('App directory (its entry is index.js, worker.js, main.js or the "main" of its package.json) or a single .js/.mjs file; relative to the config file.'),
    entry: z.string().min(1).optional().describe('Entry module inside the app directory, when it is not one of the defaults.'),
    hostnames: z
      .array(z.string().transform((h) => h.toLowerCase()).pipe(z.string().regex(HOSTNAME, 'a hostname like "api.example.com" or a wildcard like "*.example.com" (no port, no scheme)')))
      .default([])
      .describe('Host header values routed to this app: exact names (case-insensitive, port ignored) or "*.domain" wildcards.'),
    default: z.boolean().default(false).describe('Serve requests whose Host matches no app. At most one app may be the default.'),
    env: z.record(z.string().regex(ENV_NAME, 'a binding name like API_URL'), z.json()).default({}).describe('Bindings passed to the handler as `env` (strings or any JSON value), deeply frozen.'),
    secrets: z.record(z.string().regex(ENV_NAME, 'a binding name like API_KEY'), secretSchema).default({}).describe('Bindings whose values come from the host environment, a file or an encrypted value; never logged or shown.'),
    limits: limitsSchema.default({}),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    server: z
      .object({
        host: z.string().default('127.0.0.1').describe('Address the HTTP listener binds to.'),
        port: z.number().int().min(0).max(65535).default(8787).describe('HTTP port; 0 picks a free one (printed on start).'),
        drainTimeoutMs: z.number().int().min(0).default(30_000).describe('How long SIGTERM waits for in-flight requests before cutting them.'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8787, drainTimeoutMs: 30_000 }),
    admin: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8788),
        token: z.string().min(16, 'at least 16 characters').optional().describe('Bearer token for the admin API. Without a token (here or in tokenFromEnv) the admin API is off.'),
        tokenFromEnv: z.string().regex(ENV_NAME).optional().describe('Environment variable holding the admin token.'),
      })
      .strict()
      .optional(),
    defaults: z
      .object({
        memoryMb: z.number().int().min(8).max(4096).default(128),
        cpuMs: z.number().int().min(1).max(600_000).default(1000),
        wallMs: z.number().int().min(1).max(3_600_000).default(30_000),
        maxBodyBytes: z.number().int().min(0).default(100 * 1024 * 1024),
        idleEvictMs: z.number().int().min(0).default(300_000).describe('Dispose an app\'s isolate after this long without requests (0: never).'),
        execution: z.enum(['auto', 'main-thread', 'pool']).default('auto').describe('Where app code runs: "main-thread" enters isolates synchronously (lowest latency), "pool" on isolated-vm\'s threads (CPU-heavy apps in parallel), "auto" starts on the main thread and moves an app to the pool when its requests use more CPU.'),
      })
      .strict()
      .default({ memoryMb: 128, cpuMs: 1000, wallMs: 30_000, maxBodyBytes: 100 * 1024 * 1024, idleEvictMs: 300_000, execution: 'auto' }),
    apps: z.array(appSchema).min(1, 'at least one app'),
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
