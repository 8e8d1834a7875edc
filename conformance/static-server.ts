// A small wptserve stand-in: serves a WPT checkout's files (with .sub and .headers) and a few handlers.
//
// What it cannot serve must not look like data. A file missing below a synced path, or outside
// WPT's folders, is missing in WPT too, so it gets wptserve's 404; a file in a WPT folder that is
// not synced (such as /media/), or a Python handler NANO has no stand-in for, exists upstream but
// not here, so the connection is reset, as an unreachable wptserve would, and the test's fetch
// rejects instead of consuming a made-up body. Every request is recorded, so a file's result can say it depends on this server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { HANDLERS } from './handlers.js';
import { unalias } from './meta.js';
import { needsSubstitution, substitute, type ServerInfo } from './substitute.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.css': 'text/css',
  '.txt': 'text/plain',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.jpg': 'image/jpeg',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
};

/**
 * How the server answered one request: a file of the tree, one of our handlers, wptserve's 404
 * for a file WPT does not have either, or a reset connection for what exists upstream only.
 */
export type ServedKind = 'file' | 'handler' | 'missing' | 'unavailable';

export interface ServedRequest {
  /** The URL's path, without the query. */
  readonly path: string;
  readonly kind: ServedKind;
}

/** A running server for one WPT root; `info` feeds .sub substitution and test URLs. */
export interface StaticServer {
  readonly info: ServerInfo;
  /** The http:// origin tests see as their own. */
  readonly origin: string;
  /** Every request answered so far, in arrival order. */
  readonly requests: readonly ServedRequest[];
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /**
   * The paths of the WPT tree this root holds completely (pin.json's `paths`, such as
   * "dom/abort"); a missing file below one of them is a 404. By default, every top-level entry
   * of the root.
   */
  readonly paths?: readonly string[];
  /**
   * WPT's top-level folders (pin.json's `wptTopLevel`): a missing file below one of them that is
   * not below `paths` exists upstream only, so the connection is reset; a missing file anywhere
   * else is a 404, as WPT has none. Without this list every such file is a reset.
   */
  readonly upstream?: readonly string[];
}

/** Reads `Name: value` lines of a wptserve `.headers` file. */
function readHeadersFile(file: string): [string, string][] {
  if (!existsSync(file)) return [];
  const headers: [string, string][] = [];
  for (const line of readFileSync(file, 'latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return headers;
}

/** True when `relative` (a path from the root, forward slashes) lies below one of `paths`. */
function isBelow(relative: string, paths: readonly string[]): boolean {
  return paths.some((path) => relative === path || relative.startsWith(`${path}/`));
}

/** Decides how a path is answered: one of our handlers, a file, wptserve's 404, or a reset. */
function classify(root: string, paths: readonly string[], upstream: ReadonlySet<string> | undefined, path: string): { kind: ServedKind; file: string } {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const relative = unalias(path.replace(/^\//, ''));
  if (HANDLERS[relative] !== undefined) return { kind: 'handler', file: relative };
  const file = normalize(join(root, relative));
  if (!file.startsWith(root + sep)) return { kind: 'missing', file };
  // Upstream has these (a Python handler, or a file outside the synced paths); we cannot serve them.
  if (name.endsWith('.py')) return { kind: 'unavailable', file };
  if (!existsSync(file)) {
    const top = relative.split('/')[0] ?? '';
    const upstreamOnly = !isBelow(relative, paths) && (upstream === undefined || upstream.has(top));
    return { kind: upstreamOnly ? 'unavailable' : 'missing', file };
  }
  return { kind: statSync(file).isFile() ? 'file' : 'missing', file };
}

/** Serves one request as `classify` decided. */
async function serve(kind: ServedKind, file: string, info: ServerInfo, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const handler = HANDLERS[file];
  if (kind === 'handler' && handler !== undefined) {
    await handler(req, res, url);
    return;
  }
  if (kind === 'unavailable') {
    res.destroy();
    return;
  }
  if (kind === 'missing') {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 Not Found');
    return;
  }
  let body: Buffer = readFileSync(file);
  if (needsSubstitution(file)) body = Buffer.from(substitute(body.toString('utf8'), info, url), 'utf8');
  const headers: [string, string][] = [];
  const type = CONTENT_TYPES[extname(file).toLowerCase()];
  if (type !== undefined) headers.push(['content-type', type]);
  headers.push(...readHeadersFile(join(dirname(file), '__dir__.headers')), ...readHeadersFile(`${file}.headers`));
  headers.push(['content-length', String(body.length)]);
  res.writeHead(200, headers.flat());
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Listens on `host`:`port`, resolving with the bound port (or null when the address is unusable). */
function listen(server: Server, host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(null));
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : null);
    });
  });
}

/**
 * Starts a server for `root` on 127.0.0.1 (port 0) and, on the same port, on ::1 when available,
 * so that "localhost" reaches it whichever address it resolves to.
 */
export async function startStaticServer(root: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  const servers: Server[] = [];
  const paths = options.paths ?? readdirSync(root);
  const upstream = options.upstream === undefined ? undefined : new Set(options.upstream);
  const requests: ServedRequest[] = [];
  let info: ServerInfo = { host: 'localhost', otherHost: '127.0.0.1', port: 0 };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? info.host}`);
    let path = url.pathname;
    try {
      path = decodeURIComponent(path);
    } catch {
      // A malformed escape names no file; the raw path is classified (and answered 404) as is.
    }
    const { kind, file } = classify(root, paths, upstream, path);
    requests.push({ path, kind });
    serve(kind, file, info, req, res, url).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  };
  const v4 = createServer(onRequest);
  const port = await listen(v4, '127.0.0.1', 0);
  if (port === null) throw new Error('conformance: cannot listen on 127.0.0.1');
  servers.push(v4);
  const v6 = createServer(onRequest);
  if ((await listen(v6, '::1', port)) !== null) servers.push(v6);
  info = { ...info, port };
  for (const server of servers) server.unref();
  return {
    info,
    origin: `http://${info.host}:${port}`,
    requests,
    close: async () => {
      await Promise.all(
        servers.map((server) => new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        })),
      );
    },
  };
}
