// Host header → app routing table: exact names (case-insensitive, port ignored), "*.domain"
// wildcards (longest suffix wins) and an optional default. Pure data, rebuilt on every reload.

export interface VhostRoute<T> {
  readonly hostnames: readonly string[];
  readonly isDefault: boolean;
  readonly target: T;
}

export class VhostTable<T> {
  readonly #exact = new Map<string, T>();
  /** Wildcard suffixes (".example.com") sorted longest first. */
  readonly #wildcards: [string, T][] = [];
  readonly #default: T | undefined;

  constructor(routes: readonly VhostRoute<T>[]) {
    let def: T | undefined;
    for (const r of routes) {
      for (const h of r.hostnames) {
        const name = h.toLowerCase();
        if (name.startsWith('*.')) this.#wildcards.push([name.slice(1), r.target]);
        else this.#exact.set(name, r.target);
      }
      if (r.isDefault) def = r.target;
    }
    // A lone app with no hostnames serves everything.
    if (def === undefined && routes.length === 1 && routes[0]?.hostnames.length === 0) def = routes[0].target;
    this.#default = def;
    this.#wildcards.sort((a, b) => b[0].length - a[0].length);
  }

  /** Finds the app for a Host header value (may carry a port or be an IPv6 literal). */
  lookup(hostHeader: string | undefined): T | undefined {
    if (hostHeader !== undefined && hostHeader !== '') {
      const host = normalizeHost(hostHeader);
      const exact = this.#exact.get(host);
      if (exact !== undefined) return exact;
      for (const [suffix, target] of this.#wildcards) {
        if (host.length > suffix.length && host.endsWith(suffix)) return target;
      }
    }
    return this.#default;
  }
}

export function normalizeHost(hostHeader: string): string {
  let h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}
