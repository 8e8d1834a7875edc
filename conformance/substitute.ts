// wptserve's `.sub.` template substitution ({{host}}, {{ports[http][0]}}, …) for our one local server.
import { randomUUID } from 'node:crypto';

/**
 * Where the runner's static server lives. WPT's own helpers (common/get-host-info.sub.js) treat
 * the host name "localhost" specially: the "remote" origin becomes 127.0.0.1, so one server
 * listening on both names still gives tests a same-origin and a cross-origin URL.
 */
export interface ServerInfo {
  /** The host name tests see as their own origin ("localhost"). */
  readonly host: string;
  /** The other name of the same server, used for every `www*`/alt domain ("127.0.0.1"). */
  readonly otherHost: string;
  readonly port: number;
}

/**
 * Replaces `{{…}}` expressions the way wptserve's "sub" pipe does for the forms the synced areas
 * use. `url` is the URL of the resource being substituted (for `location[...]` and `GET[...]`).
 * Unknown expressions stay as they are, so a test that needs a real wptserve fails visibly.
 */
export function substitute(text: string, server: ServerInfo, url: URL): string {
  const port = String(server.port);
  return text.replace(/\{\{([^{}]*)\}\}/g, (whole, expression: string) => {
    const expr = expression.trim();
    if (expr === 'host') return server.host;
    if (expr === 'uuid()') return randomUUID();

    let match = /^domains\[(.*)\]$/.exec(expr);
    if (match !== null) return match[1] === '' ? server.host : server.otherHost;

    match = /^hosts\[(.*)\]\[(.*)\]$/.exec(expr);
    if (match !== null) return match[1] === '' && match[2] === '' ? server.host : server.otherHost;

    // Every scheme maps to the one plain-HTTP port: https/wss tests then fail to connect, honestly.
    match = /^ports\[([\w-]+)\]\[(\d+)\]$/.exec(expr);
    if (match !== null) return port;

    match = /^location\[(\w+)\]$/.exec(expr);
    if (match !== null) return locationPart(url, match[1] ?? '') ?? whole;

    match = /^GET\[(.*)\]$/.exec(expr);
    if (match !== null) return url.searchParams.get(match[1] ?? '') ?? '';

    match = /^header_or_default\(\s*[^,]*,\s*(.*)\)$/.exec(expr);
    if (match !== null) return (match[1] ?? '').replace(/^["']|["']$/g, '');

    return whole;
  });
}

/** The parts of a URL wptserve's `location[...]` offers. */
function locationPart(url: URL, part: string): string | undefined {
  switch (part) {
    case 'scheme':
      return url.protocol.replace(/:$/, '');
    case 'host':
      return url.host;
    case 'hostname':
      return url.hostname;
    case 'port':
      return url.port;
    case 'path':
    case 'pathname':
      return url.pathname;
    case 'query':
      return url.search;
    case 'server':
      return `${url.protocol}//${url.host}`;
    default:
      return undefined;
  }
}

/** True for file names wptserve substitutes: `x.sub.js`, `x.sub.any.js`, `x.sub.html`, … */
export function needsSubstitution(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.split('.').slice(1).includes('sub');
}
