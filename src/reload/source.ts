// Where the config comes from: the config file (or the single app of `--app`), the command-line
// overrides, and the admin API's in-memory overlays, composed in that order and validated by the
// one schema. A composed config is what Server.reconfigure receives.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { validateConfig, ConfigError } from '../config/load.js';
import { APP_NAME, type Config } from '../config/schema.js';

/** An admin change to one app, kept until restart or until discarded by a reload. */
export type Overlay = { readonly op: 'put'; readonly app: Readonly<Record<string, unknown>> } | { readonly op: 'delete' };

export interface SourceOverrides {
  readonly port?: number;
  readonly host?: string;
  readonly adminPort?: number;
  readonly adminHost?: string;
  /** false: never watch files, whatever the config says. */
  readonly watch?: boolean;
}

export interface SourceOptions {
  /** The config file (`--config`); exclusive with appPath. */
  readonly file?: string;
  /** A single app directory or file (`--app`): served as the default app named "app". */
  readonly appPath?: string;
  /** For `--app`: the wrangler environment (`--env`) and whether to read `.dev.vars` (`--dev-vars`). */
  readonly wranglerEnv?: string;
  readonly devVars?: boolean;
  readonly overrides?: SourceOverrides;
}

type Raw = Record<string, unknown>;

export class ConfigSource {
  /** Absolute path of the config file, or null in `--app` mode. */
  readonly file: string | null;
  readonly #appPath: string | null;
  readonly #appOptions: { wranglerEnv?: string; devVars?: true };
  readonly #overrides: SourceOverrides;

  constructor(opts: SourceOptions) {
    this.file = opts.file === undefined ? null : resolve(opts.file);
    this.#appPath = opts.appPath === undefined ? null : resolve(opts.appPath);
    this.#appOptions = { ...(opts.wranglerEnv !== undefined ? { wranglerEnv: opts.wranglerEnv } : {}), ...(opts.devVars === true ? { devVars: true } : {}) };
    this.#overrides = opts.overrides ?? {};
  }

  /** Names the source in messages; also what relative app paths resolve against. */
  get label(): string {
    return this.file ?? '<--app>';
  }

  /** Reads the config file as parsed JSON (not yet validated). */
  async readRaw(): Promise<Raw> {
    if (this.file === null) {
      const path = this.#appPath ?? '.';
      return { apps: [{ name: await appNameOf(path, this.#appOptions.wranglerEnv), path, default: true, ...this.#appOptions }] };
    }
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found; pass an existing config with --config' : (err as Error).message;
      throw new ConfigError('NANO_ERR_CONFIG_READ', [{ file: this.file, path: '(root)', message: reason }]);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text) as unknown;
    } catch (err) {
      throw new ConfigError('NANO_ERR_CONFIG_READ', [{ file: this.file, path: '(root)', message: `not valid JSON: ${(err as Error).message}; fix the file, the running config keeps serving` }]);
    }
    if (!isObject(raw)) throw new ConfigError('NANO_ERR_CONFIG_INVALID', [{ file: this.file, path: '(root)', message: 'expected a JSON object with an "apps" array' }]);
    return raw;
  }

  /** Applies overlays and command-line overrides to a raw config and validates the result. */
  compose(raw: Raw, overlays: ReadonlyMap<string, Overlay>): Config {
    const o = this.#overrides;
    const server = isObject(raw.server) ? { ...raw.server } : raw.server === undefined ? {} : raw.server;
    if (isObject(server)) {
      if (o.port !== undefined) server.port = o.port;
      if (o.host !== undefined) server.host = o.host;
    }
    const admin = isObject(raw.admin) ? { ...raw.admin } : raw.admin === undefined ? {} : raw.admin;
    if (isObject(admin)) {
      if (o.adminPort !== undefined) admin.port = o.adminPort;
      if (o.adminHost !== undefined) admin.host = o.adminHost;
    }
    const watch = isObject(raw.watch) ? { ...raw.watch } : raw.watch === undefined ? {} : raw.watch;
    if (isObject(watch) && o.watch === false) watch.enabled = false;
    const composed: Raw = { ...raw, server, admin, watch, apps: applyOverlays(raw.apps, overlays) };
    return validateConfig(composed, this.label);
  }

  /** App names the raw config defines (to tell which ones an overlay shadows). */
  static appNames(raw: Raw): string[] {
    return Array.isArray(raw.apps) ? raw.apps.map(nameOf).filter((n): n is string => n !== undefined) : [];
  }
}

/** Overlays replace or delete the file's app of the same name in place; new ones go last. */
export function applyOverlays(apps: unknown, overlays: ReadonlyMap<string, Overlay>): unknown {
  if (overlays.size === 0 || !Array.isArray(apps)) return apps;
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (const a of apps) {
    const name = nameOf(a);
    const o = name === undefined ? undefined : overlays.get(name);
    if (o === undefined || name === undefined) {
      out.push(a);
      continue;
    }
    seen.add(name);
    if (o.op === 'put') out.push(o.app);
  }
  for (const [name, o] of overlays) if (!seen.has(name) && o.op === 'put') out.push(o.app);
  return out;
}

/** The `--app` app's name: a Workers project's wrangler `name` when it is a valid app name, else "app". */
async function appNameOf(path: string, wranglerEnv: string | undefined): Promise<string> {
  // Imported here: the project loader reaches isolated-vm, which the supervisor must not load.
  const { projectName } = await import('../project/load.js');
  const name = await projectName(path, wranglerEnv);
  return name !== null && APP_NAME.test(name) ? name : 'app';
}

function nameOf(a: unknown): string | undefined {
  return isObject(a) && typeof a.name === 'string' ? a.name : undefined;
}

export function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
