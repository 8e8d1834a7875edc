// structuredClone (https://html.spec.whatwg.org/multipage/structured-data.html#structured-cloning):
// the serializable built-in types, cycles preserved, DataCloneError for the rest; `transfer`
// detaches ArrayBuffers by moving their contents.
import { DOMException } from './dom-exception.js';

type Cloner = (value: unknown) => unknown;
const extraCloners = new Map<object, (value: object, clone: Cloner) => object>();

/** Lets other runtime modules (Blob, File, DOMException) register platform-object cloning. */
export function registerCloneable(proto: object, fn: (value: object, clone: Cloner) => object): void {
  extraCloners.set(proto, fn);
}

function cloneError(msg: string): DOMException {
  return new DOMException(msg, 'DataCloneError');
}

export function structuredClone(value: unknown, options?: { transfer?: unknown[] }): unknown {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  const transfer = options?.transfer ?? [];
  const transferSet = new Set<ArrayBuffer>();
  for (const t of transfer) {
    if (!(t instanceof ArrayBuffer)) throw cloneError('Value not transferable');
    if (transferSet.has(t)) throw cloneError('ArrayBuffer at index is a duplicate');
    transferSet.add(t);
  }
  const memory = new Map<unknown, unknown>();
  const transferred = new Map<ArrayBuffer, ArrayBuffer>();
  for (const t of transferSet) {
    if (t.detached) throw cloneError('An ArrayBuffer is detached and could not be cloned.');
    transferred.set(t, t.transfer());
  }

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
    const proto = Object.getPrototypeOf(v) as object | null;
    if (v instanceof ArrayBuffer) {
      const moved = transferred.get(v);
      if (moved !== undefined) return set(moved);
      if (v.detached) throw cloneError('An ArrayBuffer is detached and could not be cloned.');
      return set(v.slice(0));
    }
    if (ArrayBuffer.isView(v)) {
      const buf = clone(v.buffer) as ArrayBuffer;
      if (v instanceof DataView) return set(new DataView(buf, v.byteOffset, v.byteLength));
      const C = v.constructor as new (b: ArrayBuffer, o: number, l: number) => ArrayBufferView;
      return set(new C(buf, v.byteOffset, (v as unknown as { length: number }).length));
    }
    if (v instanceof Date) return set(new Date(v.getTime()));
    if (v instanceof RegExp) return set(new RegExp(v.source, v.flags));
    if (v instanceof Boolean) return set(Object(v.valueOf()));
    if (v instanceof Number) return set(Object(v.valueOf()));
    if (v instanceof String) return set(Object(v.valueOf()));
    if (v instanceof BigInt) return set(Object((v as unknown as { valueOf(): bigint }).valueOf()));
    if (v instanceof Map) {
      const out = set(new Map());
      for (const [k, val] of [...v]) out.set(clone(k), clone(val));
      return out;
    }
    if (v instanceof Set) {
      const out = set(new Set());
      for (const k of [...v]) out.add(clone(k));
      return out;
    }
    if (proto !== null) {
      const custom = extraCloners.get(proto);
      if (custom !== undefined) return set(custom(v, clone));
    }
    if (v instanceof Error) {
      const names = ['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'];
      const name = names.includes(v.name) ? v.name : 'Error';
      const C = (globalThis as unknown as Record<string, ErrorConstructor>)[name] ?? Error;
      const out = set(Object.create(C.prototype) as Error);
      const desc = Object.getOwnPropertyDescriptor(v, 'message');
      if (desc !== undefined) Object.defineProperty(out, 'message', { value: String(v.message), writable: true, configurable: true });
      if (typeof v.stack === 'string') Object.defineProperty(out, 'stack', { value: v.stack, writable: true, configurable: true });
      if ('cause' in v) Object.defineProperty(out, 'cause', { value: clone(v.cause), writable: true, configurable: true });
      return out;
    }
    if (Array.isArray(v)) {
      const out = set(new Array(v.length));
      for (const k of Object.keys(v)) out[k as unknown as number] = clone(v[k as unknown as number]);
      return out;
    }
    if (proto === Object.prototype || proto === null) {
      const out = set({} as Record<string, unknown>);
      for (const k of Object.keys(v)) out[k] = clone((v as Record<string, unknown>)[k]);
      return out;
    }
    if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef) {
      throw cloneError(`#<${v.constructor.name}> could not be cloned.`);
    }
    // Platform objects that are not serializable, and class instances with exotic prototypes:
    // plain objects with own enumerable properties are cloned as ordinary objects (as V8 does).
    const tag = (v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
    if (typeof tag === 'string') throw cloneError(`${tag} object could not be cloned.`);
    const out = set({} as Record<string, unknown>);
    for (const k of Object.keys(v)) out[k] = clone((v as Record<string, unknown>)[k]);
    return out;
  };
  return clone(value);
}
