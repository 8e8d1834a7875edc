// WebIDL argument conversions used by every web API here, so that checks follow one rule
// (https://webidl.spec.whatwg.org/#es-type-mapping) instead of ad-hoc tests in each class.
import { ObjectPropertyIsEnumerable, setToStringTag } from './primordials.js';

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

/** Dictionary: undefined and null are an empty dictionary; anything else must be an object. */
export function toDictionary(value: unknown, context: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new TypeError(`${context}: The provided value is not of type 'dictionary'.`);
  return value as Record<string, unknown>;
}

/** Enumeration: the DOMString must be one of `values`. */
export function toEnum<T extends string>(value: unknown, values: readonly T[], type: string, context: string): T {
  const s = toDOMString(value);
  if (!(values as readonly string[]).includes(s)) throw new TypeError(`${context}: The provided value '${s}' is not a valid enum value of type ${type}.`);
  return s as T;
}

/** long long without [EnforceRange]/[Clamp]: ToNumber, non-finite → 0, truncated, wrapped to 64 bits. */
export function toLongLong(value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n === 0) return 0;
  const t = Math.trunc(n);
  if (t >= -(2 ** 53) && t <= 2 ** 53) return t;
  return Number(BigInt.asIntN(64, BigInt(t)));
}

/**
 * sequence<T>: the value must be an object with a callable @@iterator; returns its items, each
 * converted by `convert` as soon as it is read (WebIDL interleaves iteration and conversion).
 */
export function toSequence<T = unknown>(value: unknown, context: string, convert: (item: unknown) => T = (x) => x as T): T[] {
  if (!isObject(value)) throw new TypeError(`${context}: The provided value cannot be converted to a sequence.`);
  const iter = (value as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (typeof iter !== 'function') throw new TypeError(`${context}: The object must have a callable @@iterator property.`);
  const it = Reflect.apply(iter, value, []) as Iterator<unknown>;
  if (!isObject(it)) throw new TypeError(`${context}: The iterator is not an object.`);
  const next = it.next;
  const out: T[] = [];
  for (;;) {
    const r = Reflect.apply(next, it, []) as IteratorResult<unknown>;
    if (!isObject(r)) throw new TypeError(`${context}: The iterator result is not an object.`);
    if (r.done) return out;
    out.push(convert(r.value));
  }
}


/** A class constructor (any signature) whose prototype the helper below shapes. */
type InterfaceCtor = (abstract new (...args: never[]) => unknown) & { prototype: object };

export interface InterfaceShape {
  /** `length` of the constructor when TypeScript's optional parameters make it wrong. */
  readonly ctorLength?: number;
  /** `length` of prototype operations (same reason). */
  readonly lengths?: Readonly<Record<string, number>>;
  /** `length` of static operations. */
  readonly staticLengths?: Readonly<Record<string, number>>;
  /** WebIDL constants: on the interface object and the prototype, read-only and enumerable. */
  readonly constants?: Readonly<Record<string, number>>;
  /** `iterable<…>` / `maplike`: `@@iterator` is the very `entries` function. */
  readonly iterable?: boolean;
}

/**
 * Gives a class the shape of a WebIDL interface (https://webidl.spec.whatwg.org/#es-interfaces):
 * its `name`, operations and attributes enumerable on the prototype and the interface object,
 * `Symbol.toStringTag`, constants, and the `length`s the IDL declares.
 */
export function defineInterface(ctor: InterfaceCtor, name: string, shape: InterfaceShape = {}): void {
  const proto = ctor.prototype;
  Object.defineProperty(ctor, 'name', { value: name, configurable: true });
  if (shape.ctorLength !== undefined) Object.defineProperty(ctor, 'length', { value: shape.ctorLength, configurable: true });
  // Class members are configurable and not enumerable. No descriptor is read: this runs for every
  // interface in every isolate's start-up, where the descriptor objects were measurable garbage.
  const enumerable = { enumerable: true };
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key !== 'constructor' && !ObjectPropertyIsEnumerable(proto, key)) Object.defineProperty(proto, key, enumerable);
  }
  for (const key of Object.getOwnPropertyNames(ctor)) {
    if (key !== 'length' && key !== 'name' && key !== 'prototype' && !ObjectPropertyIsEnumerable(ctor, key)) Object.defineProperty(ctor, key, enumerable);
  }
  for (const [key, length] of Object.entries(shape.lengths ?? {})) setLength((proto as Record<string, unknown>)[key], length);
  for (const [key, length] of Object.entries(shape.staticLengths ?? {})) setLength((ctor as unknown as Record<string, unknown>)[key], length);
  for (const [key, value] of Object.entries(shape.constants ?? {})) {
    Object.defineProperty(ctor, key, { value, enumerable: true, writable: false, configurable: false });
    Object.defineProperty(proto, key, { value, enumerable: true, writable: false, configurable: false });
  }
  if (shape.iterable === true) {
    Object.defineProperty(proto, Symbol.iterator, { value: (proto as { entries: unknown }).entries, writable: true, enumerable: false, configurable: true });
  }
  setToStringTag(ctor, name);
}

function setLength(fn: unknown, length: number): void {
  if (typeof fn === 'function') Object.defineProperty(fn, 'length', { value: length, configurable: true });
}

/** unsigned long without [EnforceRange]/[Clamp]: ToNumber, non-finite → 0, truncated, modulo 2^32. */
export function toUnsignedLong(value: unknown): number {
  if (typeof value === 'symbol' || typeof value === 'bigint') throw new TypeError('Cannot convert value to a number');
  const n = Number(value);
  if (!Number.isFinite(n)) return 0;
  return ((Math.trunc(n) % 4294967296) + 4294967296) % 4294967296;
}

/** A copy of the bytes a BufferSource holds right now (WebIDL "get a copy of the buffer source"). */
export function bufferSourceCopy(value: unknown, context: string): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value) && !(value.buffer instanceof ArrayBuffer)) {
    throw new TypeError(`${context}: The provided ArrayBufferView value must not be shared.`);
  }
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  throw new TypeError(`${context}: The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.`);
}
