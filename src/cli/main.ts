// The `nano` command: parses arguments, loads config, wires signals, and calls the Server. All
// behaviour lives in src/server; this file only translates the outside world into calls.
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { AppProblem, DrainResult } from '../server/server.js';
import type { Running } from './run.js';
import { ConfigSource, type SourceOverrides } from '../reload/source.js';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { resolveAdminToken } from '../admin/auth.js';
import { supervise } from '../supervisor/supervise.js';
import { WORKER_ENV } from '../supervisor/messages.js';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { encryptSecret, parseKey, SECRET_KEY_VAR } from '../env/secret-crypto.js';
import { NanoError } from '../errors/registry.js';
import { takeCredential } from '../env/host-credentials.js';

// NANO's credentials leave process.env before anything else runs (see host-credentials.ts).
takeCredential(SECRET_KEY_VAR);
takeCredential('NANO_ADMIN_TOKEN');

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program.name('nano').description('Run many Workers-style JavaScript apps in V8 isolates inside one process').version(pkg.version, '-v, --version');

program
  .command('serve')
  .description('serve one app (--app) or the apps of a config file (--config)')
  .option('-a, --app <path>', 'app directory or file to serve as the only app')
  .option('-c, --config <file>', 'config file (JSON) naming the apps')
  .option('-e, --env <name>', 'with --app: the wrangler environment to apply ([env.<name>])')
  .option('--dev-vars', 'with --app: read the project\'s .dev.vars into env (as wrangler dev)')
  .option('-p, --port <port>', 'port (overrides the config; 0 picks a free port)')
  .option('-H, --host <address>', 'address to bind (overrides the config)')
  .option('--admin-port <port>', 'admin API port (overrides the config; 0 picks a free port)')
  .option('--admin-host <address>', 'admin API address (overrides the config)')
  .option('--no-watch', 'do not watch the config file and app directories for changes')
  .option('-w, --workers <n>', 'worker processes serving the port: a number, or "auto" (one per core); overrides the config (1: one process, no supervisor)')
  .addOption(new Option('--log-format <format>', 'log format').choices(['json', 'pretty']))
  .option('--log-level <level>', 'log level (trace, debug, info, warn, error)')
  .action(async (opts: ServeOptions) => {
    const base = createLogger({ ...(opts.logFormat !== undefined ? { format: opts.logFormat } : {}), ...(opts.logLevel !== undefined ? { level: opts.logLevel } : {}) });
    // The supervisor loads no app machinery (isolated-vm, the server): those modules are imported
    // only on the paths that serve apps, so its memory stays that of a small Node process.
    const index = process.env[WORKER_ENV.index];
    if (index !== undefined && cluster.isWorker) return serveWorker(opts, base.child({ worker: Number(index) }));
    let source: ConfigSource;
    let count: number;
    try {
      source = configSource(opts);
      const config = source.compose(await source.readRaw(), new Map());
      count = workerCount(opts.workers ?? config.workers);
      if (count > 1) return await serveSupervised(source, config, count, base);
    } catch (err) {
      fail(err);
    }
    return serveSingle(source, base);
  });

/** `nano serve` as one process: the Server and everything around it (src/cli/run.ts). */
async function serveSingle(source: ConfigSource, log: Logger): Promise<void> {
  const [{ run }, { installLastResort }, { helperNice, lowerHelperThreads }] = await Promise.all([import('./run.js'), import('../server/last-resort.js'), import('../server/thread-priority.js')]);
  let nano: Running;
  try {
    nano = await run({ source, logger: log });
  } catch (err) {
    fail(err);
  }
  logListening(log, nano.address, nano.adminAddress, nano.config.apps.map((a) => a.name), nano.watching);
  const stop = drainOnce(log, (mode) => nano.shutdown(nano.server.config?.server.drainTimeoutMs ?? nano.config.server.drainTimeoutMs, mode), () => nano.server.config?.server.drainTimeoutMs ?? nano.config.server.drainTimeoutMs);
  installLastResort(log);
  lowerHelperThreads(helperNice());
  process.on('SIGTERM', () => stop('SIGTERM', 'refuse', true));
  process.on('SIGINT', () => stop('SIGINT', 'refuse', true));
  process.on('SIGHUP', () => {
    if (!stop.stopping) void nano.reload('SIGHUP');
  });
}

/** One worker under the supervisor: serves like serveSingle; the supervisor watches, reloads and stops it. */
async function serveWorker(opts: ServeOptions, log: Logger): Promise<void> {
  const [{ run }, { installLastResort }, { helperNice, lowerHelperThreads }, { attachWorker, greet, tracedHooks }] = await Promise.all([
    import('./run.js'),
    import('../server/last-resort.js'),
    import('../server/thread-priority.js'),
    import('./worker.js'),
  ]);
  let nano: Running;
  try {
    const adminPort = process.env[WORKER_ENV.adminPort];
    const source = configSource(opts, { watch: false, ...(adminPort !== undefined && adminPort !== '' ? { adminPort: Number(adminPort) } : {}) });
    const overlays = await greet();
    nano = await run({ source, logger: log, worker: { metrics: process.env[WORKER_ENV.metrics] === '1', trace: tracedHooks, overlays } });
  } catch (err) {
    fail(err);
  }
  log.info({ event: 'worker_listening', port: nano.address.port, pid: process.pid }, `worker listening (pid ${process.pid})`);
  const timeout = (): number => nano.server.config?.server.drainTimeoutMs ?? nano.config.server.drainTimeoutMs;
  const stop = drainOnce(log, (mode) => nano.shutdown(timeout(), mode), timeout);
  installLastResort(log);
  lowerHelperThreads(helperNice());
  // Reloads and restarts are the supervisor's; a signal sent to the whole process group must not end a worker.
  process.on('SIGHUP', () => {});
  process.on('SIGUSR2', () => {});
  const worker = attachWorker(nano, log, (reason, mode) => stop(reason, mode, false));
  // The drain's order is the supervisor's (see AttachedWorker.signal); a second signal exits now.
  let deferred: string | null = null;
  const onSignal = (name: string): void => {
    if (deferred === null && !stop.stopping && worker.signal(name)) {
      deferred = name;
      return;
    }
    // drainOnce counts signals: the first, which worker.signal took, counts now.
    if (deferred !== null) stop(deferred, 'refuse', true);
    stop(name, 'refuse', true);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/** `nano serve --workers N`: the supervisor process (src/supervisor/), which holds no apps. */
async function serveSupervised(source: ConfigSource, config: Config, count: number, log: Logger): Promise<void> {
  const token = resolveAdminToken(config);
  const sup = await supervise({ source, config, logger: log, count, token });
  const host = sup.ready.host;
  logListening(log, { port: sup.ready.port, address: host, family: host.includes(':') ? 'IPv6' : 'IPv4' }, sup.adminAddress, sup.ready.apps, sup.watching, count);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn({ event: 'exit_now', signal }, 'second signal: stopping every worker now without waiting for the drain');
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      exitAfterFlush(log, 130, false);
      return;
    }
    stopping = true;
    log.info({ event: 'draining', signal, workers: count, timeoutMs: config.server.drainTimeoutMs }, `${signal}: draining ${count} workers`);
    void sup.shutdown().then((code) => {
      log.info({ event: 'exit', code }, code === 0 ? 'exiting: every worker drained' : 'exiting with status 1: a worker cut requests or did not drain cleanly');
      exitAfterFlush(log, code, false);
    });
  };
  // The supervisor runs no app code: an exception nothing caught is a NANO bug, logged; the
  // supervisor keeps its workers running (see server/last-resort.ts for the serving processes).
  const lastResort = (kind: string) => (err: unknown): void => log.fatal({ event: kind, err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, `${kind} in the supervisor; it keeps supervising`);
  process.on('uncaughtException', lastResort('uncaughtException'));
  process.on('unhandledRejection', lastResort('unhandledRejection'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    if (!stopping) void sup.reload('SIGHUP');
  });
  process.on('SIGUSR2', () => {
    if (!stopping) void sup.restart('SIGUSR2');
  });
}

/**
 * The drain path of a serving process: the first stop drains and exits (1 when work was cut), a
 * second signal exits at once. A stop that is not a signal (the supervisor's message) never counts
 * as the second: a group signal and the supervisor's message for the same shutdown are one.
 */
function drainOnce(log: Logger, shutdown: (mode: 'refuse' | 'handoff') => Promise<DrainResult>, timeoutMs: () => number): ((reason: string, mode: 'refuse' | 'handoff', signal: boolean) => void) & { stopping: boolean } {
  let signals = 0;
  const stop = Object.assign(
    (reason: string, mode: 'refuse' | 'handoff', signal: boolean): void => {
      if (signal) signals++;
      if (stop.stopping) {
        if (signals < 2 || !signal) return;
        log.warn({ event: 'exit_now', signal: reason }, 'second signal: exiting now without waiting for the drain');
        exitAfterFlush(log, 130);
        return;
      }
      stop.stopping = true;
      log.info({ event: 'draining', signal: reason, mode, timeoutMs: timeoutMs() }, `${reason}: draining (up to ${timeoutMs()} ms)`);
      void shutdown(mode).then((r) => {
        const code = r.cut > 0 ? 1 : 0;
        log.info({ event: 'exit', code, cut: r.cut, ms: Math.round(r.ms) }, r.cut > 0 ? `exiting with status 1: ${r.cut} request(s) or waitUntil task(s) were cut` : 'exiting: every in-flight request finished');
        exitAfterFlush(log, code);
      });
    },
    { stopping: false },
  );
  return stop;
}

function logListening(log: Logger, addr: AddressInfo, admin: AddressInfo | null, apps: readonly string[], watching: boolean, workers = 1): void {
  const url = `http://${hostPort(addr)}`;
  log.info(
    { event: 'listening', port: addr.port, host: addr.address, url, apps, admin: admin === null ? null : { port: admin.port, host: admin.address, url: `http://${hostPort(admin)}` }, watching, workers },
    `listening on ${url}${workers > 1 ? ` with ${workers} workers` : ''}${admin === null ? '' : `; admin API on http://${hostPort(admin)}`}`,
  );
}

/** The `workers` setting as a process count: "auto" is one per core. */
function workerCount(v: number | string): number {
  if (v === 'auto') return availableParallelism();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new NanoError('NANO_ERR_CONFIG_INVALID', `--workers ${v}: expected a number 1-256 or "auto"`);
  return n;
}

program
  .command('check')
  .description('validate a config file (or one app directory) and build the apps it names; exit 1 with every problem')
  .option('-c, --config <file>', 'config file (JSON)')
  .option('-a, --app <path>', 'app directory or file to check instead of a config file')
  .option('-e, --env <name>', 'with --app: the wrangler environment to apply')
  .option('--dev-vars', 'with --app: read the project\'s .dev.vars')
  .action(async (opts: { config?: string; app?: string; env?: string; devVars?: boolean }) => {
    try {
      if ((opts.config === undefined) === (opts.app === undefined)) throw new NanoError('NANO_ERR_CONFIG_INVALID', 'pass either --config <file> or --app <dir>');
      const source = new ConfigSource(opts.app !== undefined ? { appPath: opts.app, ...appOnly(opts) } : { file: opts.config as string, ...appOnly(opts) });
      const cfg = source.compose(await source.readRaw(), new Map());
      const [{ loadApp, applyProject }, { ReloadError }] = await Promise.all([import('../project/load.js'), import('../server/server.js')]);
      const problems: AppProblem[] = [];
      for (const app of cfg.apps) {
        try {
          const loaded = await loadApp(app.path, app);
          applyProject(app, loaded, cfg.apps);
          if (loaded.warning !== null) process.stderr.write(`warning: app "${app.name}": ${loaded.warning}\n`);
        } catch (err) {
          problems.push({ app: app.name, code: err instanceof NanoError ? err.code : 'NANO_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) });
        }
      }
      if (problems.length > 0) throw new ReloadError(problems);
      const allows = await explainAllowLists(cfg, opts.config ?? opts.app ?? '');
      process.stdout.write(`${opts.config ?? opts.app}: ok (${cfg.apps.length} app${cfg.apps.length === 1 ? '' : 's'})\n${allows}`);
    } catch (err) {
      fail(err, 'check failed');
    }
  });

program
  .command('init')
  .description('scaffold a TypeScript Workers project (wrangler.jsonc, src/index.ts) that `nano serve --app DIR` runs')
  .argument('[dir]', 'directory to create the project in', '.')
  .action(async (dir: string) => {
    try {
      const { initProject } = await import('../project/init.js');
      const written = await initProject(dir);
      process.stdout.write(`created ${written.join(', ')} in ${dir}\nnext: nano serve --app ${dir}\n`);
    } catch (err) {
      fail(err);
    }
  });

const secret = program.command('secret').description('encrypted secrets for configs kept in git');
secret
  .command('keygen')
  .description(`print a new random key for ${SECRET_KEY_VAR}`)
  .action(() => {
    process.stdout.write(`${randomBytes(32).toString('base64')}\n`);
  });
secret
  .command('encrypt')
  .description(`encrypt a value (argument or stdin) with ${SECRET_KEY_VAR}; paste the output as {"encrypted": "…"}`)
  .argument('[value]', 'the secret value; read from stdin when omitted')
  .requiredOption('--app <name>', 'the app the value is for (it decrypts for this app only)')
  .requiredOption('--name <binding>', 'the secret\'s binding name (it decrypts for this binding only)')
  .action((value: string | undefined, opts: { app: string; name: string }) => {
    try {
      const key = parseKey(takeCredential(SECRET_KEY_VAR), 'nano secret encrypt');
      const plain = value ?? readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      process.stdout.write(`${encryptSecret(plain, key, { app: opts.app, name: opts.name })}\n`);
    } catch (err) {
      fail(err);
    }
  });

/**
 * What each `fetch.allow` entry (config-wide and per app) lets apps reach, one line each; throws a
 * config error naming every entry the network policy cannot parse.
 */
async function explainAllowLists(cfg: Config, file: string): Promise<string> {
  const { describeAllowEntry } = await import('../host-calls/fetch.js');
  const lists: [string, readonly string[]][] = [['fetch.allow', cfg.fetch.allow], ...cfg.apps.map((a, i) => [`apps[${i}].fetch.allow`, a.fetch.allow] as [string, readonly string[]])];
  const lines: string[] = [];
  const problems: string[] = [];
  for (const [path, list] of lists) {
    list.forEach((entry, j) => {
      const what = describeAllowEntry(entry);
      if (what === null) problems.push(`${file}: ${path}[${j}]: "${entry}" is not a host, host:port, IP, [IPv6]:port or CIDR; fix or remove it`);
      else lines.push(`  ${path}[${j}] "${entry}": permits ${what}\n`);
    });
  }
  if (problems.length > 0) throw new NanoError('NANO_ERR_CONFIG_INVALID', problems.join('\n'));
  return lines.length === 0 ? '' : `fetch allow-list (everything else private, loopback, link-local or metadata is refused):\n${lines.join('')}`;
}

interface ServeOptions {
  app?: string;
  config?: string;
  env?: string;
  devVars?: boolean;
  port?: string;
  host?: string;
  adminPort?: string;
  adminHost?: string;
  watch: boolean;
  logFormat?: 'json' | 'pretty';
  logLevel?: string;
  workers?: string;
}

function configSource(opts: ServeOptions, extra: SourceOverrides = {}): ConfigSource {
  if (opts.app !== undefined && opts.config !== undefined) throw new NanoError('NANO_ERR_CONFIG_INVALID', 'use either --app or --config, not both');
  if (opts.app === undefined && opts.config === undefined) throw new NanoError('NANO_ERR_CONFIG_INVALID', 'nothing to serve: pass --app <dir> or --config <file>');
  const port = portOption('--port', opts.port);
  const adminPort = portOption('--admin-port', opts.adminPort);
  return new ConfigSource({
    ...(opts.app !== undefined ? { appPath: opts.app } : {}),
    ...appOnly(opts),
    ...(opts.config !== undefined ? { file: opts.config } : {}),
    overrides: {
      ...(port !== undefined ? { port } : {}),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(adminPort !== undefined ? { adminPort } : {}),
      ...(opts.adminHost !== undefined ? { adminHost: opts.adminHost } : {}),
      ...(opts.watch ? {} : { watch: false }),
      ...extra,
    },
  });
}

/** `--env` and `--dev-vars` describe the one `--app` app; a config file sets them per app. */
function appOnly(opts: { app?: string; env?: string; devVars?: boolean }): { wranglerEnv?: string; devVars?: boolean } {
  if (opts.app === undefined && (opts.env !== undefined || opts.devVars === true)) {
    throw new NanoError('NANO_ERR_CONFIG_INVALID', '--env and --dev-vars go with --app; in a config file set "wranglerEnv" and "devVars" on each app');
  }
  return { ...(opts.env !== undefined ? { wranglerEnv: opts.env } : {}), ...(opts.devVars === true ? { devVars: true } : {}) };
}

function portOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new NanoError('NANO_ERR_CONFIG_INVALID', `${flag} ${value}: expected a port number 0-65535`);
  return port;
}

function hostPort(a: AddressInfo): string {
  return `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
}

/** Exits once the log lines written so far are out (pino writes asynchronously). */
function exitAfterFlush(log: Logger, code: number, isolates = true): void {
  const exit = (): void => process.exit(code);
  setTimeout(exit, 400).unref();
  // After the flush, a short grace lets isolated-vm finish disposing the drained isolates.
  log.flush(() => (isolates ? void import('../isolates/runtime-isolate.js').then((m) => m.isolateTeardownGrace(100)).then(exit) : exit()));
}

/** Prints the error (every problem, each with its place and fix) and exits 1; `heading` says what failed. */
function fail(err: unknown, heading = 'cannot start'): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.code}: invalid config\n${err.problems.map((p) => `  ${p.file}: ${p.path}: ${p.message}`).join('\n')}\n`);
  } else if (err instanceof NanoError && err.name === 'ReloadError') {
    // Server's ReloadError, told by name: importing it would load the server into every command.
    const problems = (err as NanoError & { problems: readonly AppProblem[] }).problems;
    process.stderr.write(`${err.code}: ${heading}\n${problems.map((p) => `  ${p.message.startsWith(`app "${p.app}"`) ? p.message : `app "${p.app}": ${p.message}`}`).join('\n')}\n`);
  } else if (err instanceof NanoError) {
    process.stderr.write(`${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`NANO_ERR_INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
}

await program.parseAsync(process.argv);
