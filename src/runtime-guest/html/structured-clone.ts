// structuredClone (https://html.spec.whatwg.org/multipage/structured-data.html#structured-cloning):
// the serializable built-in types, cycles and shared references preserved, DataCloneError for the
// rest; `transfer` detaches ArrayBuffers by moving their contents. Serializable platform objects
// (DOMException here; Blob, File, CryptoKey in their modules) register a cloner by prototype in
// cloneable.ts. A runtime unit (units.ts): the runtime reaches it through cloneable.ts.
import { DOMException, isDOMException } from '../core/dom-exception.js';
import { ArrayIsArray, ObjectGetPrototypeOf, ObjectKeys, ReflectApply, platformPrototypes } from '../core/primordials.js';
import { isObject, toDictionary, toSequence } from '../core/webidl.js';
import { extraCloners, type Cloner } from './cloneable.js';

function cloneError(msg: string): DOMException {
  return new DOMException(msg, 'DataCloneError');
}

// Brand checks with captured built-ins: `instanceof` alone is fooled by Object.setPrototypeOf.
const getter = (proto: object, key: PropertyKey): ((this: unknown) => unknown) =>
  Object.getOwnPropertyDescriptor(proto, key)?.get as (this: unknown) => unknown;
const brands = {
  date: Date.prototype.getTime,
  regexpSource: getter(RegExp.prototype, 'source'),
  mapSize: getter(Map.prototype, 'size'),
  setSize: getter(Set.prototype, 'size'),
  arrayBufferLength: getter(ArrayBuffer.prototype, 'byteLength'),
  booleanValue: Boolean.prototype.valueOf,
  numberValue: Number.prototype.valueOf,
  stringValue: String.prototype.valueOf,
  bigintValue: BigInt.prototype.valueOf,
};
function has(check: (this: unknown) => unknown, value: unknown): boolean {
  try {
    ReflectApply(check, value, []);
    return true;
  } catch {
    return false;
  }
}
const errorIsError = (Error as unknown as { isError?: (v: unknown) => boolean }).isError;
const ERROR_NAMES = new Set(['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError']);

function clonerFor(proto: object | null): ((value: object, clone: Cloner) => object) | undefined {
  for (let p = proto; p !== null; p = ObjectGetPrototypeOf(p) as object | null) {
    const fn = extraCloners.get(p);
    if (fn !== undefined) return fn;
  }
  return undefined;
}

function copyArrayBuffer(v: ArrayBuffer): ArrayBuffer {
  if (!v.resizable) return v.slice(0);
  const out = new ArrayBuffer(v.byteLength, { maxByteLength: v.maxByteLength });
  new Uint8Array(out).set(new Uint8Array(v));
  return out;
}

/** https://html.spec.whatwg.org/multipage/structured-data.html#dom-structuredclone */
export function structuredClone(value: unknown, options: unknown = undefined): unknown {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  const opts = toDictionary(options, "Failed to execute 'structuredClone'");
  const transfer = opts.transfer === undefined ? [] : toSequence(opts.transfer, "Failed to execute 'structuredClone'");
  const transferSet = new Set<ArrayBuffer>();
  for (const t of transfer) {
    if (!isObject(t)) throw new TypeError("Failed to execute 'structuredClone': Value in the transfer list is not an object.");
    if (!(t instanceof ArrayBuffer) || !has(brands.arrayBufferLength, t)) throw cloneError('Value not transferable.');
    if (transferSet.has(t)) throw cloneError('ArrayBuffer at index is a duplicate.');
    transferSet.add(t);
  }
  const memory = new Map<unknown, unknown>();

  const clone: Cloner = (v) => {
    if (typeof v !== 'object' || v === null) {
      if (typeof v === 'function') throw cloneError(`${String(v).slice(0, 60)} could not be cloned.`);
      if (typeof v === 'symbol') throw cloneError(`${String(v)} could not be cloned.`);
      return v;
    }
    if (memory.has(v)) return memory.get(v);
    const set = <T>(out: T): T => {
      memory.set(v, out);
      return out;
    };
    if (ArrayIsArray(v)) {
      const out = set(new Array(v.length));
      for (const k of ObjectKeys(v)) out[k as unknown as number] = clone(v[k as unknown as number]);
      return out;
    }
    const proto = ObjectGetPrototypeOf(v) as object | null;
    if (proto === Object.prototype) return cloneOrdinary(v, set({}), clone);
    if (v instanceof ArrayBuffer && has(brands.arrayBufferLength, v)) {
      if (v.detached) throw cloneError('An ArrayBuffer is detached and could not be cloned.');
      // A transferred buffer gets its bytes once the whole clone succeeded (below).
      if (transferSet.has(v)) return set(v.resizable ? new ArrayBuffer(v.byteLength, { maxByteLength: v.maxByteLength }) : new ArrayBuffer(v.byteLength));
      return set(copyArrayBuffer(v));
    }
    if (ArrayBuffer.isView(v)) {
      const buf = clone(v.buffer) as ArrayBuffer;
      if (v instanceof DataView) return set(new DataView(buf, v.byteOffset, v.byteLength));
      const C = v.constructor as new (b: ArrayBuffer, o: number, l: number) => ArrayBufferView;
      return set(new C(buf, v.byteOffset, (v as unknown as { length: number }).length));
    }
    if (v instanceof Date && has(brands.date, v)) return set(new Date(ReflectApply(brands.date, v, []) as number));
    if (v instanceof RegExp && has(brands.regexpSource, v)) return set(new RegExp(v.source, v.flags));
    if (v instanceof Boolean && has(brands.booleanValue, v)) return set(Object(ReflectApply(brands.booleanValue, v, [])));
    if (v instanceof Number && has(brands.numberValue, v)) return set(Object(ReflectApply(brands.numberValue, v, [])));
    if (v instanceof String && has(brands.stringValue, v)) return set(Object(ReflectApply(brands.stringValue, v, [])));
    if (v instanceof BigInt && has(brands.bigintValue, v)) return set(Object(ReflectApply(brands.bigintValue, v, [])));
    if (v instanceof Map && has(brands.mapSize, v)) {
      const out = set(new Map());
      for (const [k, val] of [...v]) out.set(clone(k), clone(val));
      return out;
    }
    if (v instanceof Set && has(brands.setSize, v)) {
      const out = set(new Set());
      for (const k of [...v]) out.add(clone(k));
      return out;
    }
    if (isDOMException(v)) {
      const out = set(new DOMException(v.message, v.name));
      if (typeof v.stack === 'string') Object.defineProperty(out, 'stack', { value: v.stack, writable: true, configurable: true });
      return out;
    }
    const custom = clonerFor(proto);
    if (custom !== undefined) return set(custom(v, clone));
    if (errorIsError !== undefined ? errorIsError(v) : v instanceof Error) return cloneErrorObject(v as Error, set, clone);
    if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef) {
      throw cloneError(`#<${v.constructor.name}> could not be cloned.`);
    }
    // Platform objects that are not serializable (Request, Headers, …); other objects with
    // exotic prototypes are cloned as ordinary objects, as V8 does.
    for (let p = proto; p !== null; p = ObjectGetPrototypeOf(p) as object | null) {
      if (platformPrototypes.has(p)) throw cloneError(`${String((v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag])} object could not be cloned.`);
    }
    return cloneOrdinary(v, set({}), clone);
  };

  const result = clone(value);
  // Transfer happens after serialization succeeded, so a failed clone detaches nothing.
  for (const t of transferSet) {
    if (t.detached) throw cloneError('An ArrayBuffer is detached and could not be transferred.');
  }
  for (const t of transferSet) {
    const target = memory.get(t) as ArrayBuffer | undefined;
    const moved = t.transfer();
    if (target !== undefined) new Uint8Array(target).set(new Uint8Array(moved));
  }
  return result;
}

function cloneOrdinary(v: object, out: Record<string, unknown>, clone: Cloner): Record<string, unknown> {
  for (const k of ObjectKeys(v)) out[k] = clone((v as Record<string, unknown>)[k]);
  return out;
}

/** https://html.spec.whatwg.org/multipage/structured-data.html (Error objects), plus stack and cause as V8 keeps them. */
function cloneErrorObject(v: Error, set: <T>(out: T) => T, clone: Cloner): Error {
  const name = String(v.name);
  const ctorName = ERROR_NAMES.has(name) ? name : 'Error';
  const C = ({ Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError } as Record<string, ErrorConstructor>)[ctorName] ?? Error;
  const out = set(Object.create(C.prototype) as Error);
  const desc = Object.getOwnPropertyDescriptor(v, 'message');
  if (desc !== undefined) Object.defineProperty(out, 'message', { value: String(v.message), writable: true, configurable: true });
  if (typeof v.stack === 'string') Object.defineProperty(out, 'stack', { value: v.stack, writable: true, configurable: true });
  if (Object.prototype.hasOwnProperty.call(v, 'cause')) Object.defineProperty(out, 'cause', { value: clone(v.cause), writable: true, configurable: true });
  return out;
}
