// The address ranges apps' fetch() may not reach by default: which special-purpose block an IP
// address falls in (loopback, private, link-local, metadata, …), judging IPv6 forms that carry an
// IPv4 address (mapped, compatible, NAT64, 6to4) by the IPv4 address inside them.
import net from 'node:net';

/** One refused block: its CIDR (as `nano check` prints it) and what it is. */
export interface RefusedRange {
  readonly cidr: string;
  readonly what: string;
}

/** Refused IPv4 blocks (IANA special-purpose registry, plus cloud metadata hosts). */
const V4: readonly RefusedRange[] = [
  { cidr: '0.0.0.0/8', what: 'an unspecified ("this network") address' },
  { cidr: '10.0.0.0/8', what: 'a private (RFC 1918) address' },
  { cidr: '100.64.0.0/10', what: 'a carrier-grade NAT (RFC 6598) address' },
  { cidr: '127.0.0.0/8', what: 'a loopback address' },
  { cidr: '168.63.129.16/32', what: 'the Azure host (wireserver) metadata address' },
  { cidr: '169.254.0.0/16', what: 'a link-local address (cloud metadata services live here)' },
  { cidr: '172.16.0.0/12', what: 'a private (RFC 1918) address' },
  { cidr: '192.0.0.0/24', what: 'an IETF protocol assignment address' },
  { cidr: '192.168.0.0/16', what: 'a private (RFC 1918) address' },
  { cidr: '198.18.0.0/15', what: 'a network benchmarking (RFC 2544) address' },
  { cidr: '224.0.0.0/4', what: 'a multicast address' },
  { cidr: '240.0.0.0/4', what: 'a reserved or broadcast address' },
];

/** Refused IPv6 blocks that carry no IPv4 address. */
const V6: readonly RefusedRange[] = [
  { cidr: '::/128', what: 'the unspecified address' },
  { cidr: '::1/128', what: 'the loopback address' },
  { cidr: '100::/64', what: 'a discard-only address' },
  { cidr: '2001::/32', what: 'a Teredo tunnel address (it embeds IPv4 addresses)' },
  { cidr: '64:ff9b:1::/48', what: 'a local-use NAT64 address' },
  { cidr: 'fc00::/7', what: 'a unique local (private) address; AWS and GCP metadata (fd00:ec2::254, fd20:ce::254) are in it' },
  { cidr: 'fe80::/10', what: 'a link-local address' },
  { cidr: 'fec0::/10', what: 'a site-local address' },
  { cidr: 'ff00::/8', what: 'a multicast address' },
];

function blockOf(ranges: readonly RefusedRange[], family: 'ipv4' | 'ipv6'): { range: RefusedRange; list: net.BlockList }[] {
  return ranges.map((range) => {
    const [ip, prefix] = range.cidr.split('/') as [string, string];
    const list = new net.BlockList();
    list.addSubnet(ip, Number(prefix), family);
    return { range, list };
  });
}
const V4_BLOCKS = blockOf(V4, 'ipv4');
const V6_BLOCKS = blockOf(V6, 'ipv6');

/** Every range refused by default, for `nano check` and the docs. */
export const REFUSED_RANGES: readonly RefusedRange[] = [...V4, ...V6];

/** The eight 16-bit groups of an IPv6 address (zone and brackets removed), or null. */
export function ipv6Groups(input: string): number[] | null {
  let ip = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  if (!net.isIPv6(ip)) return null;
  // A trailing dotted quad is two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    ip = `${ip.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = ip.includes('::') ? (ip.split('::') as [string, string]) : [ip, null];
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  if (tail === null) return h.length === 8 ? h : null;
  const t = parse(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

function v4(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * The IPv4 address an IPv6 address carries, with the form's name: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-translated (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and
 * 6to4 (2002:aabb:ccdd::/48). Null for other addresses (and for :: and ::1 themselves).
 */
export function embeddedIpv4(ip: string): { v4: string; form: string } | null {
  const g = ipv6Groups(ip);
  if (g === null) return null;
  const zero = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  const [g0, g1, g2, , g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  if (zero(0, 5) && g5 === 0xffff) return { v4: v4(g6, g7), form: 'IPv4-mapped' };
  if (zero(0, 4) && g4 === 0xffff && g5 === 0) return { v4: v4(g6, g7), form: 'IPv4-translated' };
  if (zero(0, 6) && !(g6 === 0 && g7 <= 1)) return { v4: v4(g6, g7), form: 'IPv4-compatible' };
  if (g0 === 0x64 && g1 === 0xff9b && zero(2, 6)) return { v4: v4(g6, g7), form: 'NAT64' };
  if (g0 === 0x2002) return { v4: v4(g1, g2), form: '6to4' };
  return null;
}

/** IPv4-mapped addresses (as the URL parser writes them, e.g. ::ffff:7f00:1) become plain IPv4. */
export function unmapped(ip: string): string {
  const e = embeddedIpv4(ip);
  return e !== null && e.form === 'IPv4-mapped' ? e.v4 : ip;
}

/**
 * Why `ip` is refused by default ("a loopback address", "6to4 form of a private … address"), or
 * null when it is an ordinary public address.
 */
export function refusedRange(ip: string): string | null {
  if (net.isIPv4(ip)) {
    for (const b of V4_BLOCKS) if (b.list.check(ip, 'ipv4')) return b.range.what;
    return null;
  }
  const e = embeddedIpv4(ip);
  if (e !== null) {
    const inner = refusedRange(e.v4);
    return inner === null ? null : `the ${e.form} form of ${e.v4}, ${inner}`;
  }
  const g = ipv6Groups(ip);
  if (g === null) return 'not an IP address';
  for (const b of V6_BLOCKS) if (b.list.check(ip.replace(/%.*$/, ''), 'ipv6')) return b.range.what;
  return null;
}
