// The synchronous host functions an isolate may call through `call(name, …args)`. Each treats its
// arguments as hostile input and returns only copies of plain data. Listed in README.md here.
import { randomFillSync } from 'node:crypto';

type Parts = [string, string, string, string, string, string, string, string, string, string, string];

function partsOf(u: URL): Parts {
  return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash];
}

const URL_SETTERS = new Set(['protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']);

export const syncCalls: Record<string, (...args: unknown[]) => unknown> = {
  /** WHATWG URL parse with Node's parser (Ada): the 11 URL parts, or null when invalid. */
  urlParse(input: unknown, base: unknown): Parts | null {
    if (typeof input !== 'string' || (base !== undefined && typeof base !== 'string')) return null;
    const u = URL.parse(input, base);
    return u === null ? null : partsOf(u);
  },
  /** Applies one URL setter to `href` and returns the new parts. */
  urlSet(href: unknown, key: unknown, value: unknown): Parts | null {
    if (typeof href !== 'string' || typeof key !== 'string' || typeof value !== 'string' || !URL_SETTERS.has(key)) return null;
    const u = URL.parse(href);
    if (u === null) return null;
    (u as unknown as Record<string, string>)[key] = value;
    return partsOf(u);
  },
  /** Up to 64 KiB of CSPRNG bytes. */
  randomBytes(n: unknown): Uint8Array {
    const len = typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65536 ? n : 0;
    return randomFillSync(new Uint8Array(len));
  },
  /** Canonical encoding name for a label (Encoding Standard), or null. */
  encodingName(label: unknown): string | null {
    if (typeof label !== 'string' || label.length > 64) return null;
    try {
      return new TextDecoder(label).encoding;
    } catch {
      return null;
    }
  },
  /** Decodes a legacy encoding with ICU: [text, leftover bytes] or null when fatal fails. */
  textDecode(encoding: unknown, bytes: unknown, fatal: unknown, stream: unknown): [string, Uint8Array] | null {
    if (typeof encoding !== 'string' || !(bytes instanceof Uint8Array)) return null;
    try {
      const d = new TextDecoder(encoding, { fatal: fatal === true, ignoreBOM: true });
      return [d.decode(bytes, { stream: stream === true }), new Uint8Array(0)];
    } catch {
      return null;
    }
  },
};
