// WebIDL argument conversions used by every web API here, so that checks follow one rule
// (https://webidl.spec.whatwg.org/#es-type-mapping) instead of ad-hoc tests in each class.

export function requiredArguments(count: number, required: number, context: string): void {
  if (count < required) {
    throw new TypeError(`${context}: ${required} argument${required === 1 ? '' : 's'} required, but only ${count} present.`);
  }
}

/** DOMString: ToString, with Symbols rejected. */
export function toDOMString(value: unknown): string {
  if (typeof value === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
  return `${value as string}`;
}

/** USVString: DOMString with lone surrogates replaced by U+FFFD. */
export function toUSVString(value: unknown): string {
  const s = toDOMString(value);
  return s.isWellFormed() ? s : s.toWellFormed();
}

/** ByteString: every code unit must be <= 0xFF. */
export function toByteString(value: unknown): string {
  const s = toDOMString(value);
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) throw new TypeError(`Cannot convert to ByteString: character at index ${i} is above 255`);
  }
  return s;
}

/** unsigned short with [EnforceRange]-free conversion (ToNumber, then modulo 2^16). */
export function toUnsignedShort(value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n)) return 0;
  return ((Math.trunc(n) % 65536) + 65536) % 65536;
}

export function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** BufferSource: returns a view of the bytes (no copy). */
export function bufferSourceBytes(value: unknown, context: string): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`${context}: argument is not an ArrayBuffer or ArrayBufferView`);
}

export function illegalConstructor(): never {
  throw new TypeError('Illegal constructor');
}
