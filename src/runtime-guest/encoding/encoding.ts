// TextEncoder and TextDecoder (https://encoding.spec.whatwg.org/). UTF-8, UTF-16LE/BE and
// x-user-defined are decoded here; the other legacy encodings (windows-1252 for "latin1" and
// "ascii", ISO-8859-x, Shift_JIS, GBK, Big5, EUC-KR, …) by the host's ICU (`textDecode` host call).
import { hostCall } from '../core/host.js';
import { TEXT_DECODE_MAX } from '../../protocol/bridge.js';
import { ReflectApply, StringFromCharCode } from '../core/primordials.js';
import { utf8Encode, encodeIntoBytes, newUtf8State, utf8Decode, type Utf8State } from './utf8.js';
import { bufferSourceBytes, defineInterface, requiredArguments, toDictionary, toUSVString, toDOMString } from '../core/webidl.js';

let isEncoder: (value: unknown) => boolean;

/** https://encoding.spec.whatwg.org/#interface-textencoder */
export class TextEncoder {
  #brand = true;
  static {
    isEncoder = (value) => typeof value === 'object' && value !== null && #brand in value;
  }
  get encoding(): string {
    if (!isEncoder(this)) throw new TypeError('Illegal invocation');
    return 'utf-8';
  }
  encode(input: unknown = ''): Uint8Array {
    if (!isEncoder(this)) throw new TypeError('Illegal invocation');
    return utf8Encode(toUSVString(input));
  }
  encodeInto(source: unknown, destination: unknown): { read: number; written: number } {
    if (!isEncoder(this)) throw new TypeError('Illegal invocation');
    requiredArguments(arguments.length, 2, "Failed to execute 'encodeInto' on 'TextEncoder'");
    const s = toUSVString(source);
    if (!(destination instanceof Uint8Array)) throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    return encodeIntoBytes(s, destination);
  }
}
defineInterface(TextEncoder, 'TextEncoder');

/** Label → canonical name for the encodings decoded in the guest; others go to the host. */
const UTF8_LABELS = new Set(['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8']);
const UTF16LE_LABELS = new Set(['csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16', 'utf-16le']);
const UTF16BE_LABELS = new Set(['unicodefffe', 'utf-16be']);
/** The replacement encoding's labels: TextDecoder refuses them, FileReader decodes to one U+FFFD. */
const REPLACEMENT_LABELS = new Set(['csiso2022kr', 'hz-gb-2312', 'iso-2022-cn', 'iso-2022-cn-ext', 'iso-2022-kr', 'replacement']);

interface DecoderState {
  encoding: string;
  fatal: boolean;
  ignoreBOM: boolean;
  bomSeen: boolean;
  /** The spec's "do not flush": the previous decode() was streaming, so state carries over. */
  doNotFlush: boolean;
  utf8: Utf8State;
  pending: Uint8Array;
}
const decoders = new WeakMap<object, DecoderState>();
function dec(self: unknown): DecoderState {
  const s = decoders.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

/** https://encoding.spec.whatwg.org/#concept-encoding-get: ASCII whitespace trimmed, ASCII lowercased. */
export function resolveEncodingLabel(label: string): string | null {
  const l = label.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').replace(/[A-Z]+/g, (c) => c.toLowerCase());
  if (UTF8_LABELS.has(l)) return 'utf-8';
  if (UTF16LE_LABELS.has(l)) return 'utf-16le';
  if (UTF16BE_LABELS.has(l)) return 'utf-16be';
  if (l === 'x-user-defined') return 'x-user-defined';
  if (REPLACEMENT_LABELS.has(l)) return 'replacement';
  // Labels are short ASCII tokens; anything else cannot name an encoding.
  if (l.length === 0 || l.length > 64 || !/^[\x21-\x7e]+$/.test(l)) return null;
  return hostCall<string | null>('encodingName', l);
}

/** https://encoding.spec.whatwg.org/#interface-textdecoder */
export class TextDecoder {
  constructor(label: unknown = 'utf-8', options: unknown = undefined) {
    const context = "Failed to construct 'TextDecoder'";
    const l = toDOMString(label);
    const opts = toDictionary(options, context);
    const fatal = Boolean(opts.fatal);
    const ignoreBOM = Boolean(opts.ignoreBOM);
    const encoding = resolveEncodingLabel(l);
    if (encoding === null || encoding === 'replacement') {
      throw new RangeError(`${context}: The encoding label provided ('${l}') is invalid.`);
    }
    decoders.set(this, { encoding, fatal, ignoreBOM, bomSeen: false, doNotFlush: false, utf8: newUtf8State(), pending: new Uint8Array(0) });
  }
  get encoding(): string { return dec(this).encoding; }
  get fatal(): boolean { return dec(this).fatal; }
  get ignoreBOM(): boolean { return dec(this).ignoreBOM; }
  /** https://encoding.spec.whatwg.org/#dom-textdecoder-decode */
  decode(input: unknown = undefined, options: unknown = undefined): string {
    const s = dec(this);
    const context = "Failed to execute 'decode' on 'TextDecoder'";
    const bytes = input === undefined ? new Uint8Array(0) : bufferSourceBytes(input, context);
    const stream = Boolean(toDictionary(options, context).stream);
    if (!s.doNotFlush) {
      s.utf8 = newUtf8State();
      s.pending = new Uint8Array(0);
      s.bomSeen = false;
    }
    s.doNotFlush = stream;
    let text: string;
    if (s.encoding === 'utf-8') {
      // The state machine keeps no reference to `bytes`, so no copy is needed.
      text = utf8Decode(bytes, s.utf8, !stream, s.fatal);
    } else if (s.encoding === 'utf-16le' || s.encoding === 'utf-16be') {
      text = utf16Decode(s, bytes, stream);
    } else if (s.encoding === 'x-user-defined') {
      text = xUserDefinedDecode(bytes);
    } else {
      text = hostDecode(s, bytes, stream, context);
    }
    // BOM handling applies to the UTF encodings only (the spec's decode, step 4.3).
    if (!s.ignoreBOM && !s.bomSeen && text.length > 0 && (s.encoding === 'utf-8' || s.encoding === 'utf-16le' || s.encoding === 'utf-16be')) {
      s.bomSeen = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }
}
defineInterface(TextDecoder, 'TextDecoder');

/** https://encoding.spec.whatwg.org/#x-user-defined-decoder */
function xUserDefinedDecode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const units = Array.from(bytes.subarray(i, i + 8192), (b) => (b < 0x80 ? b : 0xf780 + b - 0x80));
    out += ReflectApply(StringFromCharCode, null, units) as string;
  }
  return out;
}

/**
 * Legacy encodings through the host's `textDecode`, which runs on the main thread shared by every
 * app and takes at most TEXT_DECODE_MAX bytes per call: larger inputs go in pieces, each decoded
 * in streaming mode so a sequence cut at a piece's end comes back as leftover for the next.
 * ISO-2022-JP keeps state across escape sequences that the host does not carry between calls,
 * so its inputs cannot be split: one decode() of more than TEXT_DECODE_MAX bytes of it fails.
 */
function hostDecode(s: DecoderState, bytes: Uint8Array, stream: boolean, context: string): string {
  const all = concatBytes(s.pending, bytes.slice());
  let text = '';
  let carry: Uint8Array = new Uint8Array(0);
  let off = 0;
  if (s.encoding !== 'iso-2022-jp') {
    while (all.length - off + carry.length > TEXT_DECODE_MAX) {
      const take = TEXT_DECODE_MAX - carry.length;
      const part = concatBytes(carry, all.subarray(off, off + take));
      off += take;
      const r = decodeCall(s, part, true, context);
      text += r[0];
      carry = r[1];
    }
  }
  const r = decodeCall(s, concatBytes(carry, all.subarray(off)), stream, context);
  s.pending = r[1];
  return text + r[0];
}

function decodeCall(s: DecoderState, bytes: Uint8Array, stream: boolean, context: string): [string, Uint8Array] {
  const result = hostCall<[string, Uint8Array] | null | 'tooLarge'>('textDecode', s.encoding, bytes, s.fatal, stream);
  if (result === 'tooLarge') throw new RangeError(`${context}: More than ${TEXT_DECODE_MAX} bytes of ${s.encoding} in one call; decode it in smaller pieces with { stream: true }.`);
  if (result === null) throw new TypeError(`${context}: The encoded data was not valid for encoding ${s.encoding}.`);
  return result;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function utf16Decode(s: DecoderState, input: Uint8Array, stream: boolean): string {
  const bytes = concatBytes(s.pending, input);
  const be = s.encoding === 'utf-16be';
  const end = bytes.length - (bytes.length % 2);
  const units: number[] = [];
  for (let i = 0; i < end; i += 2) {
    units.push(be ? ((bytes[i] as number) << 8) | (bytes[i + 1] as number) : (bytes[i] as number) | ((bytes[i + 1] as number) << 8));
  }
  let rest = bytes.subarray(end);
  // A trailing high surrogate waits for its pair while streaming.
  const last = units[units.length - 1];
  if (stream && last !== undefined && last >= 0xd800 && last <= 0xdbff) {
    units.pop();
    rest = concatBytes(be ? new Uint8Array([last >> 8, last & 255]) : new Uint8Array([last & 255, last >> 8]), rest);
  }
  let out = '';
  for (let i = 0; i < units.length; i += 8192) out += ReflectApply(StringFromCharCode, null, units.slice(i, i + 8192)) as string;
  if (!stream && rest.length > 0) {
    if (s.fatal) throw new TypeError(`The encoded data was not valid for encoding ${s.encoding}`);
    out += '\ufffd';
    rest = new Uint8Array(0);
  }
  s.pending = rest.slice();
  if (!out.isWellFormed()) {
    if (s.fatal) throw new TypeError(`The encoded data was not valid for encoding ${s.encoding}`);
    out = out.toWellFormed();
  }
  return out;
}
