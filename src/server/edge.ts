// What the server decides about a request before routing it: a well-formed Host (or the authority
// of an absolute-form target, RFC 9112 §3.2.2), the scheme and client address (from trusted
// proxies' X-Forwarded-* / Forwarded headers only), and the URL the app then sees, so routing and
// `request.url` always use the same host.
import net from 'node:net';
import type { IncomingMessage } from 'node:http';

/** The header that carries the client's address to apps (as on Cloudflare). */
export const CLIENT_IP_HEADER = 'cf-connecting-ip';

/** host[:port]: a DNS-style name, IPv4 or [IPv6], and an optional decimal port (RFC 3986 authority without userinfo). */
const HOST = /^(?:[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** Whether `host` is a Host header value NANO accepts. */
export function validHost(host: string): boolean {
  if (!HOST.test(host)) return false;
  if (host.startsWith('[')) return net.isIPv6(host.slice(1, host.indexOf(']')));
  return true;
}

export interface Edge {
  /** The host routing uses and the app's URL carries (lowercase, port kept). */
  readonly host: string;
  /** Path and query (origin-form). */
  readonly path: string;
  readonly scheme: 'http' | 'https';
  /** The client's address: the peer's, or the one trusted proxies report. */
  readonly clientIp: string;
}

/** Parses trusted proxy entries (IPs and CIDRs) into one list; invalid entries are skipped. */
export function trustList(entries: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const e of entries) {
    const [ip, prefix] = e.split('/') as [string, string | undefined];
    const family = net.isIPv4(ip) ? 'ipv4' : net.isIPv6(ip) ? 'ipv6' : null;
    if (family === null) continue;
    if (prefix === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(prefix), family);
  }
  return list;
}

function plain(ip: string): string {
  if (ip.length < 7 || ip.charCodeAt(0) !== 58 /* ':' */) return ip;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m !== null ? (m[1] as string) : ip;
}
function trusted(list: net.BlockList, ip: string): boolean {
  const p = plain(ip);
  const family = net.isIPv4(p) ? 'ipv4' : net.isIPv6(p) ? 'ipv6' : null;
  return family !== null && list.check(p, family);
}

/** The `for`/`proto` pairs of a Forwarded header (RFC 7239), nearest proxy last. */
function forwardedPairs(value: string): { for?: string; proto?: string }[] {
  return value.split(',').map((element) => {
    const out: { for?: string; proto?: string } = {};
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const key = pair.slice(0, eq).trim().toLowerCase();
      let v = pair.slice(eq + 1).trim();
      if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      if (key === 'for') out.for = v.replace(/^\[([^\]]+)\](:\d+)?$/, '$1').replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
      else if (key === 'proto') out.proto = v.toLowerCase();
    }
    return out;
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The request's host, path, scheme and client address, or null when its target or Host is
 * malformed (the caller answers 400). Forwarding headers count only when the peer is a trusted
 * proxy; walking the chain from the nearest hop, the client is the first address that is not
 * itself a trusted proxy.
 */
export function readEdge(req: IncomingMessage, trust: net.BlockList | null, useForwarded = false): Edge | null {
  const target = req.url ?? '/';
  let host = header(req, 'host') ?? '';
  let path = target;
  if (!target.startsWith('/')) {
    // absolute-form: the target's authority replaces Host (RFC 9112 §3.2.2)
    const m = /^https?:\/\/([^/?#]*)([^#]*)$/i.exec(target);
    if (m === null) return null;
    host = m[1] as string;
    path = m[2] === '' || !(m[2] as string).startsWith('/') ? `/${m[2] as string}` : (m[2] as string);
  }
  if (!validHost(host)) return null;
  const peer = plain(req.socket.remoteAddress ?? '');
  let scheme: 'http' | 'https' = 'encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http';
  let clientIp = peer;
  if (trust !== null && trusted(trust, peer)) {
    // Each proxy appends one hop (its peer) and may say which scheme that peer used.
    // Only the header the proxies are configured to write (server.forwardedHeader): they pass the
    // other one through from the client as it came.
    const fwd = useForwarded ? header(req, 'forwarded') : undefined;
    let hops: string[];
    let protos: (string | undefined)[];
    if (useForwarded) {
      const pairs = forwardedPairs(fwd ?? '');
      hops = pairs.map((p) => p.for ?? '');
      protos = pairs.map((p) => p.proto);
    } else {
      hops = (header(req, 'x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
      const list = (header(req, 'x-forwarded-proto') ?? '').split(',').map((s) => s.trim().toLowerCase());
      // One value (the usual case) describes the client's hop; a list is aligned with the hops.
      protos = list.length === hops.length ? list : hops.map(() => list[0]);
    }
    let at = -1;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plain(hops[i] as string);
      if (net.isIP(hop) === 0) break;
      clientIp = hop;
      at = i;
      if (!trusted(trust, hop)) break;
    }
    // The scheme the client used: said by the proxy that received it, else by the nearest one that says.
    const proto = (at >= 0 ? protos[at] : undefined) ?? protos.findLast((p) => p !== undefined && p !== '');
    if (proto === 'https' || proto === 'http') scheme = proto;
  }
  return { host: host.toLowerCase(), path, scheme, clientIp };
}
