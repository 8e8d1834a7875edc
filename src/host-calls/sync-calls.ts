// The synchronous host functions an isolate may call through `call(name, …args)`. Each treats its
// arguments as hostile input and returns only copies of plain data. Listed in README.md here.
import { randomFillSync } from 'node:crypto';
import { TEXT_DECODE_MAX, URL_MAX_LENGTH } from '../protocol/bridge.js';

/** Most bytes `randomBytes` returns per call (the guest's getRandomValues takes at most 65,536). */
export const RANDOM_BYTES_MAX = 65_536;

type Parts = [string, string, string, string, string, string, string, string, string, string, string];

function partsOf(u: URL): Parts {
  return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash];
}

const URL_SETTERS = new Set(['protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']);

export const syncCalls: Record<string, (...args: unknown[]) => unknown> = {
  /** WHATWG URL parse with Node's parser (Ada): the 11 URL parts, or null when invalid or longer than URL_MAX_LENGTH. */
  urlParse(input: unknown, base: unknown): Parts | null {
    if (typeof input !== 'string' || (base !== undefined && typeof base !== 'string')) return null;
    if (input.length > URL_MAX_LENGTH || (base !== undefined && base.length > URL_MAX_LENGTH)) return null;
    const u = URL.parse(input, base);
    return u === null ? null : partsOf(u);
  },
  /** Applies one URL setter to `href` and returns the new parts. */
  urlSet(href: unknown, key: unknown, value: unknown): Parts | null {
    if (typeof href !== 'string' || typeof key !== 'string' || typeof value !== 'string' || !URL_SETTERS.has(key)) return null;
    if (href.length > URL_MAX_LENGTH || value.length > URL_MAX_LENGTH) return null;
    const u = URL.parse(href);
    if (u === null) return null;
    (u as unknown as Record<string, string>)[key] = value;
    return partsOf(u);
  },
  /** Up to 64 KiB of CSPRNG bytes. */
  randomBytes(n: unknown): Uint8Array {
    const len = typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= RANDOM_BYTES_MAX ? n : 0;
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
  /**
   * Decodes a legacy encoding with ICU: [text, leftover bytes] or null when fatal fails. The host
   * keeps no decoder between calls; while streaming, the bytes of an incomplete trailing sequence
   * come back as leftover and the guest sends them again with the next chunk. Takes at most
   * TEXT_DECODE_MAX bytes ('tooLarge' past it): the call holds the main thread of every app.
   */
  textDecode(encoding: unknown, bytes: unknown, fatal: unknown, stream: unknown): [string, Uint8Array] | null | 'tooLarge' {
    if (typeof encoding !== 'string' || !(bytes instanceof Uint8Array)) return null;
    if (bytes.byteLength > TEXT_DECODE_MAX) return 'tooLarge';
    try {
      const options = { fatal: fatal === true, ignoreBOM: true };
      if (stream !== true) return [new TextDecoder(encoding, options).decode(bytes), new Uint8Array(0)];
      const text = new TextDecoder(encoding, options).decode(bytes, { stream: true });
      // The longest incomplete sequence of the Encoding Standard's decoders is 3 bytes (gb18030).
      // Probing decoders are lenient: an incomplete tail then flushes as U+FFFD instead of throwing.
      for (let k = 0; k <= Math.min(3, bytes.length); k++) {
        const d = new TextDecoder(encoding, { ignoreBOM: true });
        const head = bytes.subarray(0, bytes.length - k);
        if (d.decode(head, { stream: true }) === text && d.decode() === '') return [text, bytes.slice(bytes.length - k)];
      }
      return [text, new Uint8Array(0)];
    } catch {
      return null;
    }
  },
};
