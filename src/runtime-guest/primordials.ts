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
export const ReflectApply = Reflect.apply;
export const ReflectOwnKeys = Reflect.ownKeys;
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

/** Calls a captured prototype method: `uncurry(Array.prototype.push)(arr, x)`. */
export function uncurry<T, A extends unknown[], R>(fn: (this: T, ...args: A) => R): (self: T, ...args: A) => R {
  return (self: T, ...args: A) => ReflectApply(fn, self, args) as R;
}

export const PromisePrototypeThen = uncurry(Promise.prototype.then) as <T>(
  p: Promise<T>,
  onFulfilled?: (value: T) => unknown,
  onRejected?: (reason: unknown) => unknown,
) => Promise<unknown>;

/** Defines globals the way the web platform does: writable, configurable, not enumerable. */
export function exposeGlobals(values: Record<string, unknown>): void {
  for (const name of ObjectKeys(values)) {
    ObjectDefineProperty(globalThis, name, { value: values[name], writable: true, configurable: true, enumerable: false });
  }
}

/** Gives a class prototype its Symbol.toStringTag, as WebIDL interfaces have. */
export function setToStringTag(ctor: { prototype: object }, tag: string): void {
  ObjectDefineProperty(ctor.prototype, SymbolToStringTag, { value: tag, configurable: true });
}
