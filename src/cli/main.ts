// The `nano` command: parses arguments, loads config, wires signals, and calls the Server. All
// behaviour lives in src/server; this file only translates the outside world into calls.
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Server } from '../server/server.js';
import { loadConfigFile, singleAppConfig, ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../observability/logger.js';
import { encryptSecret, parseKey, SECRET_KEY_VAR } from '../env/secret-crypto.js';
import { NanoError } from '../errors/registry.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program.name('nano').description('Run many Workers-style JavaScript apps in V8 isolates inside one process').version(pkg.version, '-v, --version');

program
  .command('serve')
  .description('serve one app (--app) or the apps of a config file (--config)')
  .option('-a, --app <path>', 'app directory or file to serve as the only app')
  .option('-c, --config <file>', 'config file (JSON) naming the apps')
  .option('-p, --port <port>', 'port (overrides the config; 0 picks a free port)')
  .option('-H, --host <address>', 'address to bind (overrides the config)')
  .addOption(new Option('--log-format <format>', 'log format').choices(['json', 'pretty']))
  .option('--log-level <level>', 'log level (trace, debug, info, warn, error)')
  .action(async (opts: { app?: string; config?: string; port?: string; host?: string; logFormat?: 'json' | 'pretty'; logLevel?: string }) => {
    const log = createLogger({ ...(opts.logFormat !== undefined ? { format: opts.logFormat } : {}), ...(opts.logLevel !== undefined ? { level: opts.logLevel } : {}) });
    let config: Config;
    try {
      config = await readConfig(opts);
    } catch (err) {
      fail(err);
    }
    const server = new Server({ logger: log });
    let addr;
    try {
      addr = await server.start(config);
    } catch (err) {
      fail(err);
    }
    const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
    log.info({ event: 'listening', port: addr.port, host: addr.address, url, apps: config.apps.map((a) => a.name) }, `listening on ${url}`);

    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal, timeoutMs: config.server.drainTimeoutMs }, 'draining');
      void server.drain(server.config?.server.drainTimeoutMs ?? config.server.drainTimeoutMs).then((r) => {
        if (r.cut > 0) log.error({ cut: r.cut, ms: Math.round(r.ms) }, 'drain deadline passed: in-flight work was cut');
        else log.info({ ms: Math.round(r.ms) }, 'drained: all in-flight work finished');
        log.flush?.();
        setImmediate(() => process.exit(r.cut > 0 ? 1 : 0));
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

program
  .command('check')
  .description('validate a config file and the apps it names; exit 1 with every problem')
  .requiredOption('-c, --config <file>', 'config file (JSON)')
  .action(async (opts: { config: string }) => {
    try {
      const cfg = await loadConfigFile(opts.config);
      const { readAppCode } = await import('../isolates/app-code.js');
      for (const app of cfg.apps) await readAppCode(app.path, app.entry);
      process.stdout.write(`${opts.config}: ok (${cfg.apps.length} app${cfg.apps.length === 1 ? '' : 's'})\n`);
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
  .action((value: string | undefined) => {
    try {
      const key = parseKey(process.env[SECRET_KEY_VAR], 'nano secret encrypt');
      const plain = value ?? readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      process.stdout.write(`${encryptSecret(plain, key)}\n`);
    } catch (err) {
      fail(err);
    }
  });

async function readConfig(opts: { app?: string; config?: string; port?: string; host?: string }): Promise<Config> {
  if (opts.app !== undefined && opts.config !== undefined) throw new NanoError('NANO_ERR_CONFIG_INVALID', 'use either --app or --config, not both');
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new NanoError('NANO_ERR_CONFIG_INVALID', `--port ${opts.port}: expected a port number 0-65535`);
  if (opts.app !== undefined) return singleAppConfig(opts.app, port ?? 8787, opts.host ?? '127.0.0.1');
  if (opts.config === undefined) throw new NanoError('NANO_ERR_CONFIG_INVALID', 'nothing to serve: pass --app <dir> or --config <file>');
  const cfg = await loadConfigFile(opts.config);
  if (port === undefined && opts.host === undefined) return cfg;
  return { ...cfg, server: { ...cfg.server, ...(port !== undefined ? { port } : {}), ...(opts.host !== undefined ? { host: opts.host } : {}) } };
}

function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.code}: invalid config\n${err.problems.map((p) => `  ${p.file}: ${p.path}: ${p.message}`).join('\n')}\n`);
  } else if (err instanceof NanoError) {
    process.stderr.write(`${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`NANO_ERR_INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
}

await program.parseAsync(process.argv);
