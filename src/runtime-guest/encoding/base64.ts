// atob and btoa (https://html.spec.whatwg.org/multipage/webappapis.html#atob), forgiving-base64,
// and base64 of bytes for data: URLs (FileReader.readAsDataURL).
import { DOMException } from '../core/dom-exception.js';
import { requiredArguments, toDOMString } from '../core/webidl.js';
import { ReflectApply, StringFromCharCode } from '../core/primordials.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(256).fill(-1);
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function btoa(data: unknown): string {
  requiredArguments(arguments.length, 1, "Failed to execute 'btoa'");
  const s = toDOMString(data);
  let out = '';
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i);
    const b = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    const c = i + 2 < s.length ? s.charCodeAt(i + 2) : 0;
    if (a > 255 || b > 255 || c > 255) {
      throw new DOMException("Failed to execute 'btoa': The string to be encoded contains characters outside of the Latin1 range.", 'InvalidCharacterError');
    }
    const n = (a << 16) | (b << 8) | c;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += i + 1 < s.length ? ALPHABET[(n >> 6) & 63]! : '=';
    out += i + 2 < s.length ? ALPHABET[n & 63]! : '=';
  }
  return out;
}

export function atob(data: unknown): string {
  requiredArguments(arguments.length, 1, "Failed to execute 'atob'");
  let s = toDOMString(data).replace(/[\t\n\f\r ]/g, '');
  if (s.length % 4 === 0) s = s.replace(/==?$/, '');
  const bad = (): never => {
    throw new DOMException("Failed to execute 'atob': The string to be decoded is not correctly encoded.", 'InvalidCharacterError');
  };
  if (s.length % 4 === 1) bad();
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const v = code < 256 ? (LOOKUP[code] as number) : -1;
    if (v < 0) bad();
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 255);
    }
  }
  return out;
}

/**
 * Base64 of bytes (https://infra.spec.whatwg.org/#forgiving-base64-encode), for data: URLs. Encodes
 * into char-code pieces of 8 Ki characters joined at the end: no string work per byte.
 */
export function bytesToBase64(bytes: Uint8Array): string {
  const pieces: string[] = [];
  const codes = new Uint16Array(8192);
  let k = 0;
  for (let i = 0; i < bytes.length; i += 3) {
    const rest = bytes.length - i;
    const n = ((bytes[i] as number) << 16) | (rest > 1 ? (bytes[i + 1] as number) << 8 : 0) | (rest > 2 ? (bytes[i + 2] as number) : 0);
    codes[k++] = CODES[(n >> 18) & 63] as number;
    codes[k++] = CODES[(n >> 12) & 63] as number;
    codes[k++] = rest > 1 ? (CODES[(n >> 6) & 63] as number) : 0x3d;
    codes[k++] = rest > 2 ? (CODES[n & 63] as number) : 0x3d;
    if (k === codes.length) {
      pieces[pieces.length] = ReflectApply(StringFromCharCode, null, codes) as string;
      k = 0;
    }
  }
  if (k > 0) pieces[pieces.length] = ReflectApply(StringFromCharCode, null, codes.subarray(0, k)) as string;
  return pieces.join('');
}
