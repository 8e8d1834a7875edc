// The network policy of apps' fetch(): which addresses a subrequest may connect to, checked in
// our own undici connector after DNS resolution, for the first connection and every redirect (so
// neither DNS rebinding nor a redirect gets around it). Refused unless allowed: the special
// ranges of address-ranges.ts, metadata host names and this server's own listeners. See
// README.md "Outbound fetch".
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import { REFUSED_RANGES, refusedRange, unmapped } from './address-ranges.js';

const CONNECT_TIMEOUT_MS = 10_000;

// --- the network policy -------------------------------------------------------------------------

/** Host names of cloud metadata services, refused before any DNS lookup. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

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

export interface AllowRule {
  /** A host name or IP address the entry names, or null for a CIDR. */
  readonly host: string | null;
  readonly net: net.BlockList | null;
  /** The CIDR as written (normalised), for descriptions. */
  readonly cidr: string | null;
  /** Only this port, or null for every port. */
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
    const prefixText = hostPart.slice(slash + 1);
    const prefix = Number(prefixText);
    if (net.isIP(ip) === 0 || !/^\d{1,3}$/.test(prefixText) || prefix > (net.isIPv4(ip) ? 32 : 128)) return null;
    const list = new net.BlockList();
    list.addSubnet(ip, prefix, family(ip));
    return { host: null, net: list, cidr: `${ip}/${prefix}`, port };
  }
  if (hostPart === '' || !/^[a-z0-9.\-:]+$/.test(hostPart)) return null;
  if (hostPart.includes(':') && net.isIPv6(hostPart) === false) return null;
  return { host: unmapped(hostPart), net: null, cidr: null, port };
}

/** What a `fetch.allow` entry lets apps reach, in words (for `nano check`); null when invalid. */
export function describeAllowEntry(entry: string): string | null {
  const r = parseAllowEntry(entry);
  if (r === null) return null;
  const ports = r.port === null ? 'any port' : `port ${r.port} only`;
  const listeners = r.port === null ? '; NANO\'s own listeners stay refused (name their port to permit one)' : '';
  if (r.cidr !== null) {
    const [ip, prefix] = r.cidr.split('/') as [string, string];
    const size = family(ip) === 'ipv4' ? 2 ** (32 - Number(prefix)) : null;
    const inside = REFUSED_RANGES.filter((x) => overlaps(r, x.cidr)).map((x) => x.cidr);
    const opens = inside.length > 0 ? `; it opens refused ranges: ${inside.join(', ')}` : '';
    return `every address in ${r.cidr}${size !== null ? ` (${size.toLocaleString('en-US')} address${size === 1 ? '' : 'es'})` : ''}, ${ports}${opens}${listeners}`;
  }
  const host = r.host as string;
  if (net.isIP(host) !== 0) {
    const why = refusedRange(host);
    return `the address ${host}, ${ports}${why !== null ? ` (refused by default: ${why})` : ' (a public address, allowed anyway)'}${listeners}`;
  }
  return `the host name ${host}, whatever addresses it resolves to (private ones included), ${ports}${listeners}`;
}

/** Whether the entry's CIDR and `cidr` share an address (one contains the other's first address). */
function overlaps(r: AllowRule, cidr: string): boolean {
  const [ip, prefix] = cidr.split('/') as [string, string];
  if (r.net === null || r.cidr === null || family(ip) !== family(r.cidr.split('/')[0] as string)) return false;
  if (r.net.check(ip, family(ip))) return true;
  const other = new net.BlockList();
  other.addSubnet(ip, Number(prefix), family(ip));
  return other.check(r.cidr.split('/')[0] as string, family(ip));
}

function matches(r: AllowRule, hostname: string, ip: string | null, port: number): boolean {
  if (r.port !== null && r.port !== port) return false;
  if (r.host !== null && (r.host === hostname || r.host === ip)) return true;
  return r.net !== null && ip !== null && r.net.check(ip, family(ip));
}

function isOwnListener(ip: string, port: number): boolean {
  for (const p of protectedEndpoints.values()) {
    if (p.port !== port) continue;
    const host = unmapped(p.host);
    const unspecified = host === '0.0.0.0' || host === '::' || host === '';
    if (ip === host || (isLoopbackOrUnspecified(ip) && (unspecified || isLoopbackOrUnspecified(host))) || (unspecified && isLocalAddress(ip))) return true;
  }
  return false;
}

/**
 * Why NANO refuses to connect to `ip:port` for `hostname`, or null when it may. A listener of
 * this server is opened only by an entry that names its port; other refusals by any matching entry.
 */
function refusal(rules: readonly AllowRule[], hostname: string, ip: string | null, port: number): string | null {
  const fix = 'add it to "fetch.allow" (of the app or of the whole config) to permit it';
  if (METADATA_HOSTS.has(hostname) && !rules.some((r) => matches(r, hostname, ip, port))) return `${hostname} is a cloud metadata service, refused by default; ${fix}`;
  if (ip === null) return null;
  if (isOwnListener(ip, port)) {
    if (rules.some((r) => r.port === port && matches(r, hostname, ip, port))) return null;
    return `${hostname}:${port} is a listener of this NANO server (apps may not call its admin API or loop back into it); add "${hostname}:${port}" to "fetch.allow" to permit it`;
  }
  const why = refusedRange(ip);
  if (why === null || rules.some((r) => matches(r, hostname, ip, port))) return null;
  return `${ip} is ${why}, refused by default; ${fix}`;
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
    // (an IPv4-mapped address is judged as its IPv4 address, so ::ffff:127.0.0.1 counts as loopback)
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

/** The part of undici's Dispatcher that fetch() uses: one call per connection attempt's request. */
export interface Dispatcher {
  dispatch(opts: DispatchOptions, handler: object): boolean;
}
/** What fetch() hands its dispatcher; `headers` is an object of lowercase names in Node 24. */
export interface DispatchOptions {
  headers?: Record<string, string | string[]> | string[] | null;
  [key: string]: unknown;
}
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
