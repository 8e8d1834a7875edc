// The network policy of apps' fetch(): which addresses a subrequest may connect to, checked in
// our own undici connector after DNS resolution, for the first connection and every redirect (so
// neither DNS rebinding nor a redirect gets around it). See README.md "Outbound fetch".
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';

const CONNECT_TIMEOUT_MS = 10_000;

// --- the network policy -------------------------------------------------------------------------

/** Host names of cloud metadata services, refused before any DNS lookup. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);
/** Link-local ranges (which hold the metadata services of AWS, GCP, Azure, …) and other metadata addresses. */
const REFUSED = new net.BlockList();
REFUSED.addSubnet('169.254.0.0', 16, 'ipv4');
REFUSED.addSubnet('fe80::', 10, 'ipv6');
REFUSED.addAddress('fd00:ec2::254', 'ipv6'); // AWS IMDS over IPv6
REFUSED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata

/** Listeners of this NANO process (traffic, admin): apps may not call them (loops, admin access). */
const protectedEndpoints = new Map<string, { host: string; port: number }>();

/**
 * Refuses subrequests to `host:port` (a listener of this process). An unspecified host (0.0.0.0,
 * ::) covers every local address. Returns the function that lifts the protection again.
 */
export function protectEndpoint(host: string, port: number): () => void {
  const key = `${host}|${port}|${protectedEndpoints.size}|${Math.random()}`;
  protectedEndpoints.set(key, { host: stripBrackets(host), port });
  return () => void protectedEndpoints.delete(key);
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4 address they carry. */
function unmapped(ip: string): string {
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (dotted !== null) return dotted[1] as string;
  // The URL parser writes them in hex: [::ffff:7f00:1] is 127.0.0.1.
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (hex === null) return ip;
  const hi = parseInt(hex[1] as string, 16);
  const lo = parseInt(hex[2] as string, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
function family(ip: string): 'ipv4' | 'ipv6' {
  return net.isIPv4(ip) ? 'ipv4' : 'ipv6';
}
function isLoopbackOrUnspecified(ip: string): boolean {
  return ip.startsWith('127.') || ip === '0.0.0.0' || ip === '::1' || ip === '::';
}

let localAddresses: { at: number; set: Set<string> } | null = null;
function isLocalAddress(ip: string): boolean {
  const now = Date.now();
  if (localAddresses === null || now - localAddresses.at > 10_000) {
    const set = new Set<string>();
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) set.add(unmapped(a.address.split('%')[0] as string));
    localAddresses = { at: now, set };
  }
  return isLoopbackOrUnspecified(ip) || localAddresses.set.has(ip);
}

interface AllowRule {
  readonly host: string | null;
  readonly net: net.BlockList | null;
  readonly port: number | null;
}
/** Parses one `fetch.allow` entry; null when it is not one of the accepted shapes. */
export function parseAllowEntry(entry: string): AllowRule | null {
  let hostPart = entry.trim().toLowerCase();
  let port: number | null = null;
  const v6port = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPart);
  if (v6port !== null) {
    hostPart = v6port[1] as string;
    if (v6port[2] !== undefined) port = Number(v6port[2]);
  } else if (!hostPart.includes('/') && (hostPart.match(/:/g) ?? []).length === 1) {
    const i = hostPart.lastIndexOf(':');
    port = Number(hostPart.slice(i + 1));
    hostPart = hostPart.slice(0, i);
  }
  if (port !== null && !(Number.isInteger(port) && port > 0 && port < 65536)) return null;
  const slash = hostPart.indexOf('/');
  if (slash >= 0) {
    const ip = hostPart.slice(0, slash);
    const prefix = Number(hostPart.slice(slash + 1));
    if (net.isIP(ip) === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (net.isIPv4(ip) ? 32 : 128)) return null;
    const list = new net.BlockList();
    list.addSubnet(ip, prefix, family(ip));
    return { host: null, net: list, port };
  }
  if (hostPart === '' || !/^[a-z0-9.\-:]+$/.test(hostPart)) return null;
  return { host: unmapped(hostPart), net: null, port };
}

function allowed(rules: readonly AllowRule[], hostname: string, ip: string | null, port: number): boolean {
  for (const r of rules) {
    if (r.port !== null && r.port !== port) continue;
    if (r.host !== null && (r.host === hostname || r.host === ip)) return true;
    if (r.net !== null && ip !== null && r.net.check(ip, family(ip))) return true;
  }
  return false;
}

/** Why NANO refuses to connect to `ip:port` for `hostname`, or null when it may. */
function refusal(rules: readonly AllowRule[], hostname: string, ip: string | null, port: number): string | null {
  if (allowed(rules, hostname, ip, port)) return null;
  const fix = 'add it to "fetch.allow" in the NANO config to permit it';
  if (METADATA_HOSTS.has(hostname)) return `${hostname} is a cloud metadata service, refused by default; ${fix}`;
  if (ip === null) return null;
  if (REFUSED.check(ip, family(ip))) return `${ip} is a link-local or cloud metadata address, refused by default; ${fix}`;
  for (const p of protectedEndpoints.values()) {
    if (p.port !== port) continue;
    const host = unmapped(p.host);
    const unspecified = host === '0.0.0.0' || host === '::' || host === '';
    if (ip === host || (isLoopbackOrUnspecified(ip) && (unspecified || isLoopbackOrUnspecified(host))) || (unspecified && isLocalAddress(ip))) {
      return `${hostname}:${port} is a listener of this NANO server (apps may not call its admin API or loop back into it); ${fix}`;
    }
  }
  return null;
}

/** A refusal by the policy; its message reaches the app as the TypeError's message. */
export class RefusedError extends Error {}

// --- the connector: DNS, policy, then a socket -------------------------------------------------

interface ConnectOptions {
  hostname: string;
  host?: string;
  protocol: string;
  port: string | number;
  servername?: string | null;
}
type Connector = (opts: ConnectOptions, cb: (err: Error | null, socket?: net.Socket) => void) => void;

function lookupAll(hostname: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dns.lookup(hostname, { all: true, order: 'verbatim' }, (err, addrs) => (err !== null ? reject(err) : resolve(addrs.map((a) => a.address))));
  });
}

function makeConnector(rules: readonly AllowRule[]): Connector {
  return (opts, cb) => {
    const hostname = stripBrackets(opts.hostname).toLowerCase();
    const https = opts.protocol === 'https:';
    const port = Number(opts.port) || (https ? 443 : 80);
    let done = false;
    const finish = (err: Error | null, socket?: net.Socket): void => {
      if (done) return;
      done = true;
      if (err !== null) cb(err);
      else cb(null, socket);
    };
    const early = refusal(rules, hostname, null, port);
    if (early !== null) return finish(new RefusedError(early));
    const resolving = net.isIP(hostname) !== 0 ? Promise.resolve([hostname]) : lookupAll(hostname);
    // (each address is judged unmapped, so ::ffff:127.0.0.1 counts as loopback)
    resolving.then(
      (addrs) => {
        let first: string | null = null;
        let why: string | null = null;
        for (const a of addrs) {
          const r = refusal(rules, hostname, unmapped(a), port);
          if (r === null) {
            first = a;
            break;
          }
          why ??= r;
        }
        if (first === null) return finish(new RefusedError(why ?? `${hostname} did not resolve`));
        const socket = https
          ? tls.connect({ host: first, port, ALPNProtocols: ['http/1.1'], ...(net.isIP(hostname) === 0 ? { servername: opts.servername ?? hostname } : {}) })
          : net.connect({ host: first, port });
        socket.setNoDelay(true);
        socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })));
        socket.once(https ? 'secureConnect' : 'connect', () => {
          socket.setTimeout(0);
          finish(null, socket);
        });
        socket.once('error', (err) => finish(err));
      },
      (err: Error) => finish(err),
    );
  };
}

export type Dispatcher = object;
const dispatchers = new Map<string, Dispatcher>();

/**
 * undici's Agent, with our connector. Node does not export undici, but its global dispatcher (an
 * Agent, set once fetch has loaded, under the interop symbol undici documents) gives the class.
 */
export async function dispatcherFor(allow: readonly string[]): Promise<Dispatcher> {
  const key = JSON.stringify(allow);
  const found = dispatchers.get(key);
  if (found !== undefined) return found;
  const sym = Symbol.for('undici.globalDispatcher.1');
  const g = globalThis as unknown as Record<symbol, unknown>;
  if (g[sym] === undefined) await fetch('data:,');
  const global = g[sym] as { constructor: new (opts: object) => Dispatcher } | undefined;
  if (global === undefined) throw new Error('undici global dispatcher not found');
  const rules = allow.map(parseAllowEntry).filter((r): r is AllowRule => r !== null);
  const agent = new global.constructor({ connect: makeConnector(rules) });
  dispatchers.set(key, agent);
  return agent;
}
