// Built-ins the runtime relies on, captured at start-up: tenant code shares this realm and may
// replace globals or prototype methods later, which must not change how the runtime behaves.
export const ObjectFreeze = Object.freeze;
export const ObjectDefineProperty = Object.defineProperty;
export const ObjectDefineProperties = Object.defineProperties;
export const ObjectGetPrototypeOf = Object.getPrototypeOf;
export const ObjectSetPrototypeOf = Object.setPrototypeOf;
export const ObjectKeys = Object.keys;
export const ObjectEntries = Object.entries;
export const ObjectCreate = Object.create;
export const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
export const ReflectApply = Reflect.apply;
export const ReflectOwnKeys = Reflect.ownKeys;
export const ReflectGetOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
/** Object.prototype.propertyIsEnumerable as a function of the object (no descriptor allocated). */
export const ObjectPropertyIsEnumerable = Function.prototype.call.bind(Object.prototype.propertyIsEnumerable) as (object: object, key: PropertyKey) => boolean;
export const ArrayIsArray = Array.isArray;
export const JSONStringify = JSON.stringify;
export const JSONParse = JSON.parse;
export const PromiseResolve = Promise.resolve.bind(Promise);
export const PromiseReject = Promise.reject.bind(Promise);
export const SymbolIterator = Symbol.iterator;
export const SymbolAsyncIterator = Symbol.asyncIterator;
export const SymbolToStringTag = Symbol.toStringTag;
export const Uint8ArrayCtor = Uint8Array;
export const StringFromCharCode = String.fromCharCode;
export const MathMin = Math.min;
export const NumberIsFinite = Number.isFinite;
export const DateNow = Date.now;
export const WeakRefCtor = WeakRef;
export const ArrayBufferIsView = ArrayBuffer.isView;

/** Calls a captured prototype method: `uncurry(Array.prototype.push)(arr, x)`. */
export function uncurry<T, A extends unknown[], R>(fn: (this: T, ...args: A) => R): (self: T, ...args: A) => R {
  return (self: T, ...args: A) => ReflectApply(fn, self, args) as R;
}

/**
 * Captured at boot, not at load: V8 offers no SharedArrayBuffer while a startup snapshot is built
 * (undefined where the platform has none).
 */
export let SharedArrayBufferCtor: SharedArrayBufferConstructor | undefined;
export function captureBootPrimordials(): void {
  SharedArrayBufferCtor = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : undefined;
}
const TypedArrayPrototype = ObjectGetPrototypeOf(Uint8Array.prototype) as Uint8Array;
export const TypedArraySet = uncurry(TypedArrayPrototype.set) as (target: Uint8Array, source: Uint8Array, offset: number) => void;
export const TypedArraySubarray = uncurry(TypedArrayPrototype.subarray) as (view: Uint8Array, begin: number, end?: number) => Uint8Array;
/** A typed array's byteLength from the built-in getter (an app can shadow or patch the property). */
export const TypedArrayByteLength = uncurry((ObjectGetOwnPropertyDescriptor(TypedArrayPrototype, 'byteLength') as PropertyDescriptor).get as (this: Uint8Array) => number);

export const PromisePrototypeThen = uncurry(Promise.prototype.then) as <T>(
  p: Promise<T>,
  onFulfilled?: (value: T) => unknown,
  onRejected?: (reason: unknown) => unknown,
) => Promise<unknown>;

/**
 * Defines globals the way the web platform does: writable, configurable, not enumerable. Functions
 * also get their WebIDL `name` (the bundle is minified, so `class Event` would otherwise be named
 * after its mangled identifier).
 */
export function exposeGlobals(values: Record<string, unknown>): void {
  for (const name of ObjectKeys(values)) {
    const value = values[name];
    if (typeof value === 'function' && value.name !== name) {
      ObjectDefineProperty(value, 'name', { value: name, configurable: true });
    }
    ObjectDefineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
}

/**
 * Prototypes of the runtime's WebIDL interfaces (platform objects). structuredClone refuses their
 * instances unless the interface registered itself as serializable.
 */
export const platformPrototypes: WeakSet<object> = new WeakSet();

/** Gives a class prototype its Symbol.toStringTag, as WebIDL interfaces have. */
export function setToStringTag(ctor: { prototype: object }, tag: string): void {
  ObjectDefineProperty(ctor.prototype, SymbolToStringTag, { value: tag, configurable: true });
  platformPrototypes.add(ctor.prototype);
}
