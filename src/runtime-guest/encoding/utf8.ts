// UTF-8 encode and decode (https://encoding.spec.whatwg.org/#utf-8): what bodies, Blob, URL and
// multipart need on every app's path. TextEncoder and TextDecoder, built on these, are a unit
// (encoding.ts).
import { ReflectApply, StringFromCharCode } from '../core/primordials.js';

export function utf8Encode(input: string): Uint8Array {
  const out = new Uint8Array(input.length * 3);
  const { written } = encodeIntoBytes(input, out);
  return out.slice(0, written);
}

export function encodeIntoBytes(s: string, out: Uint8Array): { read: number; written: number } {
  let read = 0;
  let w = 0;
  const n = out.length;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    let units = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        units = 2;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) {
      if (w + 1 > n) break;
      out[w++] = c;
    } else if (c < 0x800) {
      if (w + 2 > n) break;
      out[w++] = 0xc0 | (c >> 6);
      out[w++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      if (w + 3 > n) break;
      out[w++] = 0xe0 | (c >> 12);
      out[w++] = 0x80 | ((c >> 6) & 63);
      out[w++] = 0x80 | (c & 63);
    } else {
      if (w + 4 > n) break;
      out[w++] = 0xf0 | (c >> 18);
      out[w++] = 0x80 | ((c >> 12) & 63);
      out[w++] = 0x80 | ((c >> 6) & 63);
      out[w++] = 0x80 | (c & 63);
    }
    read += units;
    i += units - 1;
  }
  return { read, written: w };
}

/**
 * Streaming UTF-8 decoder state machine (https://encoding.spec.whatwg.org/#utf-8-decoder).
 * Returns the decoded text; `state` carries an incomplete sequence between calls.
 */
export interface Utf8State {
  needed: number;
  seen: number;
  cp: number;
  lower: number;
  upper: number;
}
export function newUtf8State(): Utf8State {
  return { needed: 0, seen: 0, cp: 0, lower: 0x80, upper: 0xbf };
}

export function utf8Decode(bytes: Uint8Array, st: Utf8State, flush: boolean, fatal: boolean): string {
  let out = '';
  const parts: string[] = [];
  const codes: number[] = [];
  const emit = (cp: number): void => {
    if (cp > 0xffff) {
      cp -= 0x10000;
      codes.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else codes.push(cp);
    if (codes.length >= 8192) {
      parts.push(ReflectApply(StringFromCharCode, null, codes) as string);
      codes.length = 0;
    }
  };
  const fail = (): void => {
    if (fatal) throw new TypeError('The encoded data was not valid for encoding utf-8');
    emit(0xfffd);
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (st.needed === 0) {
      if (b <= 0x7f) emit(b);
      else if (b >= 0xc2 && b <= 0xdf) { st.needed = 1; st.cp = b & 0x1f; }
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) st.lower = 0xa0;
        if (b === 0xed) st.upper = 0x9f;
        st.needed = 2;
        st.cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) st.lower = 0x90;
        if (b === 0xf4) st.upper = 0x8f;
        st.needed = 3;
        st.cp = b & 0x7;
      } else fail();
      continue;
    }
    if (b < st.lower || b > st.upper) {
      st.cp = st.needed = st.seen = 0;
      st.lower = 0x80;
      st.upper = 0xbf;
      fail();
      i--; // reprocess this byte
      continue;
    }
    st.lower = 0x80;
    st.upper = 0xbf;
    st.cp = (st.cp << 6) | (b & 0x3f);
    if (++st.seen === st.needed) {
      const cp = st.cp;
      st.cp = st.needed = st.seen = 0;
      emit(cp);
    }
  }
  if (flush && st.needed !== 0) {
    st.cp = st.needed = st.seen = 0;
    fail();
  }
  parts.push(ReflectApply(StringFromCharCode, null, codes) as string);
  out = parts.join('');
  return out;
}

/** Fast path used by Body mixins: whole buffer, replacement mode, BOM stripped. */
export function utf8DecodeAll(bytes: Uint8Array): string {
  let start = 0;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  return utf8Decode(start === 0 ? bytes : bytes.subarray(start), newUtf8State(), true, false);
}

/** "UTF-8 decode without BOM" (the URL parser's percent-decoding needs a leading BOM kept). */
export function utf8DecodeKeepBOM(bytes: Uint8Array): string {
  return utf8Decode(bytes, newUtf8State(), true, false);
}
