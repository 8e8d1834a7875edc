// What NANO does with each wrangler config field and each Workers API: one table, read by the
// project loader (which fields to warn about) and by scripts/gen-docs.mjs (the "Coming from
// Cloudflare Workers" guide), so the warning and the docs cannot disagree.

export type Support = 'supported' | 'partial' | 'not supported' | 'no effect';

export interface CompatRow {
  readonly support: Support;
  /** What NANO does instead, or why not; one sentence for the docs and the warning. */
  readonly note: string;
}

/**
 * Top-level wrangler fields. "no effect" marks deploy-time metadata that has no meaning for a
 * local server; a field present in a project and not "supported" is named in the load warning.
 */
export const WRANGLER_FIELDS: Readonly<Record<string, CompatRow>> = {
  name: { support: 'supported', note: 'The app name with `nano serve --app`; in nano.json the app\'s own `name` wins.' },
  main: { support: 'supported', note: 'The entry module; TypeScript, TSX and JSX are built with esbuild.' },
  vars: { support: 'supported', note: 'Become `env` bindings; nano.json `env` and `secrets` of the same name win.' },
  services: { support: 'partial', note: '`env.BINDING.fetch()` and RPC methods (`env.BINDING.method(args)` on the callee\'s WorkerEntrypoint class) call the named app of the NANO config in process; a named `entrypoint` is not supported.' },
  compatibility_date: { support: 'no effect', note: 'NANO has one behaviour, the current one.' },
  compatibility_flags: { support: 'not supported', note: 'Flags such as nodejs_compat are not honoured; node: modules cannot be imported.' },
  $schema: { support: 'no effect', note: 'Editor metadata.' },
  account_id: { support: 'no effect', note: 'Deploy metadata.' },
  workers_dev: { support: 'no effect', note: 'Deploy metadata.' },
  preview_urls: { support: 'no effect', note: 'Deploy metadata.' },
  routes: { support: 'not supported', note: 'Route apps with `hostnames` in nano.json.' },
  route: { support: 'not supported', note: 'Route apps with `hostnames` in nano.json.' },
  env: { support: 'supported', note: 'Select one with `nano serve --app DIR --env NAME` or the app\'s `wranglerEnv` in nano.json; as in wrangler, `main` is inherited, `name` defaults to `<name>-<env>`, and `vars` and `services` are not inherited (a warning says so when the top level sets them). Without a selection the top level applies.' },
  limits: { support: 'not supported', note: 'Set `limits.cpuMs` in nano.json.' },
  build: { support: 'not supported', note: 'Custom build commands do not run; NANO bundles `main` itself.' },
  no_bundle: { support: 'not supported', note: 'NANO always bundles a project.' },
  rules: { support: 'not supported', note: 'Module rules are fixed: .json as JSON, .txt/.html as text.' },
  kv_namespaces: { support: 'not supported', note: 'No KV.' },
  d1_databases: { support: 'not supported', note: 'No D1.' },
  r2_buckets: { support: 'not supported', note: 'No R2.' },
  durable_objects: { support: 'not supported', note: 'No Durable Objects.' },
  queues: { support: 'not supported', note: 'No Queues.' },
  triggers: { support: 'not supported', note: 'Cron triggers do not run.' },
  assets: { support: 'not supported', note: 'Static assets are not served; import small files as text or serve them from the handler.' },
  site: { support: 'not supported', note: 'Workers Sites are not served.' },
  ai: { support: 'not supported', note: 'No Workers AI binding.' },
  analytics_engine_datasets: { support: 'not supported', note: 'No Analytics Engine.' },
  browser: { support: 'not supported', note: 'No Browser Rendering binding.' },
  hyperdrive: { support: 'not supported', note: 'No Hyperdrive.' },
  vectorize: { support: 'not supported', note: 'No Vectorize.' },
  wasm_modules: { support: 'not supported', note: 'WebAssembly modules are not bundled.' },
  text_blobs: { support: 'not supported', note: 'Import the file as text instead.' },
  data_blobs: { support: 'not supported', note: 'Not bundled.' },
  unsafe: { support: 'not supported', note: 'Not read.' },
  observability: { support: 'no effect', note: 'NANO logs to stdout (pino) and serves /metrics.' },
  upload_source_maps: { support: 'no effect', note: 'NANO always maps logged stacks to the project sources.' },
  minify: { support: 'no effect', note: 'Bundles are not minified.' },
  keep_vars: { support: 'no effect', note: 'Deploy metadata.' },
  send_metrics: { support: 'no effect', note: 'Wrangler telemetry.' },
  dev: { support: 'no effect', note: 'Use `nano serve --port`.' },
  placement: { support: 'no effect', note: 'One process, one place.' },
  tail_consumers: { support: 'not supported', note: 'Logs go to stdout.' },
  logpush: { support: 'no effect', note: 'Logs go to stdout.' },
};

/** Workers runtime APIs beyond the web platform, for the docs guide. */
export const WORKERS_APIS: Readonly<Record<string, CompatRow>> = {
  'export default { fetch }': { support: 'supported', note: 'Module syntax, with `env` and `ctx`.' },
  'addEventListener("fetch")': { support: 'supported', note: 'Service-worker syntax; env bindings are globals.' },
  'Service bindings (env.X.fetch)': { support: 'supported', note: 'In process, with the callee\'s limits, counted in the caller\'s subrequests; from wrangler `services` or nano.json `services`.' },
  'Service binding RPC (env.X.method(args))': { support: 'partial', note: 'Calls a method of the callee\'s default-export WorkerEntrypoint class on a fresh instance, in process, with the callee\'s limits, counted in the caller\'s subrequests. Arguments and results are structured-clone data copied between isolates (at most `limits.rpcMaxBytes` encoded, default 1 MiB); a thrown error arrives as an error of the same type with its message (not its stack). Not supported: functions, RpcTarget stubs, streams, Request/Response/Blob values, named entrypoints.' },
  'ctx.waitUntil()': { support: 'supported', note: 'Work continues after the response, and a drain waits for it.' },
  'ctx.passThroughOnException()': { support: 'supported', note: 'With the app\'s `origin` set in nano.json, a handler that throws after calling it (or a service-worker fetch event nobody answers) falls through: NANO sends the client\'s request on to the origin, body included when the app read none of it, and returns its answer (502 NANO_ERR_ORIGIN_UNREACHABLE if it cannot). Without an origin, or after the app read part of the body: 500 NANO_ERR_NO_ORIGIN.' },
  'cloudflare:workers WorkerEntrypoint': { support: 'partial', note: 'A class-based default export serves fetch() with `this.env` and `this.ctx`, and its methods are callable over service bindings (RPC); named entrypoints (other exported classes) are not.' },
  'cloudflare:workers env': { support: 'partial', note: 'The app\'s env, filled in when the first request arrives; empty while the module\'s top level runs.' },
  'cloudflare:workers DurableObject': { support: 'not supported', note: 'Importing it works; constructing one throws.' },
  'request.cf': { support: 'partial', note: 'A frozen object with what NANO knows of a request from its listener: `httpProtocol` ("HTTP/1.1"), `clientAcceptEncoding`, `tlsVersion` and `tlsCipher` as "" over plain HTTP (absent over TLS: a proxy ends TLS and NANO does not learn the version), and NANO\'s own `tls` (true when the client used HTTPS, as a trusted proxy says) and `clientAddress` (a trusted proxy\'s client address, else the peer\'s; also in CF-Connecting-IP). No geolocation, ASN, colo or bot fields. Undefined on a service binding\'s request and on a Request made from a URL; `new Request(request)` keeps it.' },
  'node:* modules (nodejs_compat)': { support: 'not supported', note: 'A build error names the import.' },
  'npm packages': { support: 'supported', note: 'Resolved from the project\'s node_modules with the conditions workerd, worker, browser.' },
  'TypeScript / TSX / JSX': { support: 'supported', note: 'Built with esbuild; types are not checked (run tsc for that).' },
  'JSON, .txt and .html imports': { support: 'supported', note: 'JSON as a value, .txt/.html as a string.' },
  'Source maps': { support: 'supported', note: 'Uncaught exceptions in the log, in a request or at module load (top-level code), point at the project\'s own source lines.' },
  'Secrets (.dev.vars)': { support: 'partial', note: 'Read only when asked (`nano serve --dev-vars`, or `devVars: true` in nano.json), so a stray local file never changes a deployed env; then `.dev.vars.<env>` (with an environment) or `.dev.vars` is parsed with dotenv and overrides `vars`, as in wrangler dev. Unread, it is named in a warning. In production use `secrets` in nano.json (fromEnv, fromFile or encrypted).' },
};

/** Fields of a wrangler config that NANO does not honour, grouped for one warning line. */
export function unhonouredFields(fields: readonly string[]): { unsupported: string[]; partial: string[]; noEffect: string[]; unknown: string[] } {
  const out = { unsupported: [] as string[], partial: [] as string[], noEffect: [] as string[], unknown: [] as string[] };
  for (const f of fields) {
    const row = Object.hasOwn(WRANGLER_FIELDS, f) ? WRANGLER_FIELDS[f] : undefined;
    if (row === undefined) out.unknown.push(f);
    else if (row.support === 'not supported') out.unsupported.push(f);
    else if (row.support === 'partial') out.partial.push(f);
    else if (row.support === 'no effect') out.noEffect.push(f);
  }
  return out;
}
