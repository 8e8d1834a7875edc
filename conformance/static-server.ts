// A small wptserve stand-in: serves a WPT checkout's files (with .sub and .headers) and a few handlers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
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

/** A running server for one WPT root; `info` feeds .sub substitution and test URLs. */
export interface StaticServer {
  readonly info: ServerInfo;
  /** The http:// origin tests see as their own. */
  readonly origin: string;
  close(): Promise<void>;
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

/** Serves one request: a handler for `*.py` names we implement, otherwise a file below root. */
async function serve(root: string, info: ServerInfo, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? info.host}`);
  const path = decodeURIComponent(url.pathname);
  const name = path.slice(path.lastIndexOf('/') + 1);
  const handler = HANDLERS[name];
  if (handler !== undefined) {
    await handler(req, res, url);
    return;
  }
  const file = normalize(join(root, unalias(path.replace(/^\//, ''))));
  if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(name.endsWith('.py') ? `the NANO conformance server has no handler for ${name}` : 'not found');
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
export async function startStaticServer(root: string): Promise<StaticServer> {
  const servers: Server[] = [];
  let info: ServerInfo = { host: 'localhost', otherHost: '127.0.0.1', port: 0 };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    serve(root, info, req, res).catch((error: unknown) => {
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
