// The bytes a service-binding RPC call's arguments and result cross isolates as: a value is first
// structured-cloned in the sending isolate (getters run, unclonable values throw DataCloneError,
// only genuine built-ins remain), then written as tagged JSON; the receiving isolate rebuilds a
// fresh copy. Shared references and cycles survive (by id, in creation order). The decoder treats
// its input as hostile: every node is checked, depth is capped, keys are defined (never assigned,
// so "__proto__" is a plain key) and a malformed payload is a DataCloneError, never a crash.
import { DOMException, isDOMException } from '../core/dom-exception.js';
import { ArrayIsArray, ObjectDefineProperty, ObjectGetPrototypeOf, ObjectKeys } from '../core/primordials.js';
import { atob, bytesToBase64 } from '../encoding/base64.js';
import { lazyUnit } from '../core/units.js';

const cloneUnit = lazyUnit<typeof import('../html/structured-clone.js')>('structured-clone');

/** Deeper payloads are refused: the decoder recurses once per level. */
const MAX_DEPTH = 1000;
/** A BigInt's decimal digits at most (parsing is superlinear in the digit count). */
const MAX_BIGINT_DIGITS = 100_000;

const ERRORS: Readonly<Record<string, ErrorConstructor>> = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
const VIEWS: Readonly<Record<string, new (b: ArrayBuffer, offset: number, length: number) => ArrayBufferView>> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
};
const NUMBERS: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

const cloneError = (message: string): DOMException => new DOMException(message, 'DataCloneError');
const malformed = (): DOMException => cloneError('malformed RPC payload');

/** The JSON text of `value`, or a DataCloneError for what cannot be sent. */
export function encodeRpc(value: unknown): string {
  const copy = cloneUnit().structuredClone(value);
  const ids = new Map<object, number>();
  const enc = (v: unknown): unknown => {
    switch (typeof v) {
      case 'undefined':
        return ['u'];
      case 'boolean':
      case 'string':
        return v;
      case 'number':
        return Number.isFinite(v) && !Object.is(v, -0) ? v : ['n', Object.is(v, -0) ? '-0' : String(v)];
      case 'bigint':
        return ['b', v.toString()];
      default:
        break;
    }
    if (v === null) return null;
    const o = v as object;
    const seen = ids.get(o);
    if (seen !== undefined) return ['r', seen];
    ids.set(o, ids.size);
    const pairs = (tag: string, head: unknown[] = []): unknown[] => {
      const out: unknown[] = [tag, ...head];
      for (const k of ObjectKeys(o)) out.push(k, enc((o as Record<string, unknown>)[k]));
      return out;
    };
    if (ArrayIsArray(o)) return pairs('a', [o.length]);
    if (o instanceof Date) {
      const t = o.getTime();
      return ['d', Number.isNaN(t) ? null : t];
    }
    if (o instanceof RegExp) return ['x', o.source, o.flags];
    if (o instanceof Map) return ['m', ...[...o].flatMap(([k, x]) => [enc(k), enc(x)])];
    if (o instanceof Set) return ['s', ...[...o].map(enc)];
    if (o instanceof ArrayBuffer) return ['B', bytesToBase64(new Uint8Array(o))];
    if (ArrayBuffer.isView(o)) {
      // The clone's views are genuine: a typed array's toStringTag is its kind.
      if (o instanceof DataView) return ['V', 'DataView', enc(o.buffer), o.byteOffset, o.byteLength];
      return ['V', (o as unknown as Record<symbol, string>)[Symbol.toStringTag], enc(o.buffer), o.byteOffset, (o as unknown as { length: number }).length];
    }
    if (isDOMException(o)) return ['D', o.name, o.message];
    if (o instanceof Error) return ['e', Object.hasOwn(ERRORS, o.name) ? o.name : 'Error', String(o.message)];
    if (o instanceof Boolean || o instanceof Number || o instanceof String || o instanceof BigInt) return ['p', enc(o.valueOf())];
    if (ObjectGetPrototypeOf(o) === Object.prototype) return pairs('o');
    throw cloneError(`${(o.constructor as { name?: string } | undefined)?.name ?? 'This object'} cannot be sent over RPC (structured-clone data only: no streams, Requests, Responses, Blobs or functions)`);
  };
  return JSON.stringify(enc(copy));
}

/** Rebuilds a value from `encodeRpc`'s text, which came from another isolate. */
export function decodeRpc(text: string): unknown {
  let tree: unknown;
  try {
    tree = JSON.parse(text);
  } catch {
    throw malformed();
  }
  const objs: unknown[] = [];
  /** The slot of a view whose buffer is still being decoded: a reference to it is malformed. */
  const RESERVED = Symbol('reserved');
  const keep = <T>(v: T): T => {
    objs.push(v);
    return v;
  };
  const str = (v: unknown): string => {
    if (typeof v !== 'string') throw malformed();
    return v;
  };
  const int = (v: unknown, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw malformed();
    return v;
  };
  const dec = (n: unknown, depth: number): unknown => {
    if (n === null || typeof n === 'boolean' || typeof n === 'string' || typeof n === 'number') return n;
    if (!ArrayIsArray(n) || n.length === 0) throw malformed();
    if (depth > MAX_DEPTH) throw cloneError('RPC payload nested too deeply');
    const d = depth + 1;
    const define = (target: object, from: number): void => {
      if ((n.length - from) % 2 !== 0) throw malformed();
      for (let i = from; i < n.length; i += 2) {
        const key = str(n[i]);
        if (ArrayIsArray(target) && key === 'length') throw malformed();
        ObjectDefineProperty(target, key, { value: dec(n[i + 1], d), writable: true, enumerable: true, configurable: true });
      }
    };
    switch (n[0]) {
      case 'u':
        return undefined;
      case 'n': {
        const k = str(n[1]);
        if (!Object.hasOwn(NUMBERS, k)) throw malformed();
        return NUMBERS[k];
      }
      case 'b': {
        const digits = str(n[1]);
        if (!/^-?\d+$/.test(digits) || digits.length > MAX_BIGINT_DIGITS) throw malformed();
        return BigInt(digits);
      }
      case 'r': {
        const v = objs[int(n[1], objs.length - 1)];
        if (v === RESERVED) throw malformed();
        return v;
      }
      case 'o': {
        const o = keep({});
        define(o, 1);
        return o;
      }
      case 'a': {
        const a = keep(new Array<unknown>(int(n[1], 2 ** 32 - 1)));
        define(a, 2);
        return a;
      }
      case 'd': {
        const t = n[1];
        if (t !== null && typeof t !== 'number') throw malformed();
        return keep(new Date(t ?? NaN));
      }
      case 'x': {
        try {
          return keep(new RegExp(str(n[1]), str(n[2])));
        } catch {
          throw malformed();
        }
      }
      case 'm': {
        const m = keep(new Map<unknown, unknown>());
        if ((n.length - 1) % 2 !== 0) throw malformed();
        for (let i = 1; i < n.length; i += 2) m.set(dec(n[i], d), dec(n[i + 1], d));
        return m;
      }
      case 's': {
        const s = keep(new Set<unknown>());
        for (let i = 1; i < n.length; i++) s.add(dec(n[i], d));
        return s;
      }
      case 'B': {
        let bin: string;
        try {
          bin = atob(str(n[1]));
        } catch {
          throw malformed();
        }
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        return keep(bytes.buffer);
      }
      case 'V': {
        const kind = str(n[1]);
        if (!Object.hasOwn(VIEWS, kind)) throw malformed();
        const slot = objs.length;
        objs.push(RESERVED);
        const buffer = dec(n[2], d);
        if (!(buffer instanceof ArrayBuffer)) throw malformed();
        try {
          objs[slot] = new (VIEWS[kind] as (typeof VIEWS)[string])(buffer, int(n[3], buffer.byteLength), int(n[4], buffer.byteLength));
        } catch {
          throw malformed();
        }
        return objs[slot];
      }
      case 'e': {
        const name = str(n[1]);
        return keep(new (Object.hasOwn(ERRORS, name) ? (ERRORS[name] as ErrorConstructor) : Error)(str(n[2])));
      }
      case 'D':
        return keep(new DOMException(str(n[2]), str(n[1])));
      case 'p': {
        const v = dec(n[1], d);
        if (typeof v === 'object' || typeof v === 'function' || typeof v === 'symbol' || v === undefined) throw malformed();
        return keep(Object(v) as object);
      }
      default:
        throw malformed();
    }
  };
  return dec(tree, 0);
}
