// Globals whose implementation is evaluated on first use.
//
// The web platform's globals are data properties (writable, configurable, not enumerable), and
// WPT checks that, so a getter that loads on first read is not an option. V8 has the real thing,
// lazy data properties (Object::SetLazyDataProperty), which isolated-vm does not expose; NANO's
// native module native/lazy-load.cc does, loaded into each isolate by the host, which hands its
// `defineLazy` to boot(). The property then reads as a plain data property, and its value is made
// by the resolver the first time anything reads it (or its descriptor).
//
// The host sets `__nano_lazy_globals` before the runtime's top level runs when it will pass
// defineLazy. Without the native module (no C++ compiler at build, or NANO_LAZY_GLOBALS=0) it runs
// dist/guest/runtime-eager.js instead, which installs the same globals, with the same descriptors,
// at its top level (so in the startup snapshot, not in every isolate).
import { ObjectDefineProperty, ReflectGetOwnPropertyDescriptor, ReflectOwnKeys, exposeGlobals } from './primordials.js';

/** V8's PropertyAttribute DontEnum: what exposeGlobals gives (writable, configurable, hidden). */
const DONT_ENUM = 2;
/** V8's PropertyAttribute None: writable, configurable and enumerable. */
const NONE = 0;

export type DefineLazy = (target: object, name: string, resolve: (name: string) => unknown, attributes: number) => boolean;
/** The lazy globals' names, and what a name resolves to (called once per isolate and name). */
export interface LazyGlobals {
  readonly names: readonly string[];
  resolve(name: string): unknown;
}

const flags = globalThis as { __nano_lazy_globals?: unknown };
/** True when the host will pass boot() a defineLazy (read once, at the top level). */
export const lazyGlobalsExpected: boolean = flags.__nano_lazy_globals === true;
delete flags.__nano_lazy_globals;

function resolveAll(globals: LazyGlobals): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of globals.names) values[name] = globals.resolve(name);
  return values;
}

/**
 * Top level: installs the globals now unless boot() will define them lazily. Those named in
 * `enumerable` are enumerable (the global's own EventTarget methods); the others are not.
 */
export function exposeLazyGlobalsAtLoad(globals: LazyGlobals, enumerable: ReadonlySet<string> = new Set()): void {
  // A global the runtime replaces is not one to put back while a unit loads (withPristineBuiltins).
  for (let i = PRISTINE.length - 3; i >= 0; i -= 3) {
    if (PRISTINE[i] === globalThis && globals.names.includes(PRISTINE[i + 1] as string)) PRISTINE.splice(i, 3);
  }
  if (lazyGlobalsExpected) return;
  const values = resolveAll(globals);
  exposeGlobals(values);
  for (const name of enumerable) ObjectDefineProperty(globalThis, name, { enumerable: true });
}

/** boot(): defines the globals lazily with the host's defineLazy (a runtime that expects it). */
export function exposeLazyGlobalsAtBoot(globals: LazyGlobals, defineLazy: unknown, enumerable: ReadonlySet<string> = new Set()): void {
  if (!lazyGlobalsExpected) return;
  if (typeof defineLazy !== 'function') throw new TypeError('NANO runtime: lazy globals expected, but the host passed no defineLazy');
  const resolve = (name: string): unknown => {
    const value = globals.resolve(name);
    if (typeof value === 'function' && value.name !== name) ObjectDefineProperty(value, 'name', { value: name, configurable: true });
    return value;
  };
  for (const name of globals.names) (defineLazy as DefineLazy)(globalThis, name, resolve, enumerable.has(name) ? NONE : DONT_ENUM);
}

/**
 * boot(): replaces a global the context already has (V8's WebAssembly) with a lazy data property
 * that resolves to the same value after `prepare` ran on it, so an app that never reads it never
 * pays for preparing it. Without defineLazy, `prepare` runs now.
 */
export function prepareGlobalOnFirstRead(name: string, prepare: (value: unknown) => void, defineLazy: unknown): void {
  const value = (globalThis as Record<string, unknown>)[name];
  if (value === undefined) return;
  if (!lazyGlobalsExpected || typeof defineLazy !== 'function') {
    prepare(value);
    return;
  }
  delete (globalThis as Record<string, unknown>)[name];
  (defineLazy as DefineLazy)(globalThis, name, () => {
    prepare(value);
    return value;
  }, DONT_ENUM);
}

/**
 * Runs `load` (the first evaluation of lazily loaded code) with the built-ins such code captures
 * while it is evaluated put back as they were at start-up: by then app code may have replaced
 * them (WPT's patched-global tests replace Promise.prototype.then), and code evaluated in the
 * startup snapshot never saw such replacements. The app's values are restored afterwards; one the
 * app made non-configurable stays as the app left it.
 */
// Flat (target, key, value) triples: one array, not one per entry (it lives in every isolate).
const PRISTINE: unknown[] = [
  Object, 'defineProperty', Object.defineProperty,
  Object, 'defineProperties', Object.defineProperties,
  Function.prototype, 'bind', Function.prototype.bind,
  Promise, 'resolve', Promise.resolve,
  Promise, 'reject', Promise.reject,
  Promise.prototype, 'then', Promise.prototype.then,
  Number, 'isFinite', Number.isFinite,
  Number, 'isNaN', Number.isNaN,
  Math, 'trunc', Math.trunc,
];
// Every ECMAScript global as it is now, before the runtime adds its own (WebAssembly excepted:
// each context gets a new one at boot). Those the runtime replaces by lazy globals (V8's console)
// are dropped again by exposeLazyGlobalsAtLoad: reading their descriptor here would load them.
for (const key of ReflectOwnKeys(globalThis)) {
  if (typeof key !== 'string' || key === 'WebAssembly' || key === 'globalThis' || key.startsWith('__')) continue;
  PRISTINE.push(globalThis, key, (globalThis as Record<string, unknown>)[key]);
}
export function withPristineBuiltins<T>(load: () => T): T {
  const replaced: [object, PropertyKey, PropertyDescriptor | undefined][] = [];
  for (let i = 0; i < PRISTINE.length; i += 3) {
    const target = PRISTINE[i] as object;
    const key = PRISTINE[i + 1] as PropertyKey;
    const value = PRISTINE[i + 2];
    const current = ReflectGetOwnPropertyDescriptor(target, key);
    if (current !== undefined && current.value === value) continue;
    try {
      ObjectDefineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
      replaced.push([target, key, current]);
    } catch {
      // Non-configurable: the app's choice stands.
    }
  }
  try {
    return load();
  } finally {
    for (let i = replaced.length - 1; i >= 0; i--) {
      const [target, key, previous] = replaced[i]!;
      if (previous === undefined) delete (target as Record<PropertyKey, unknown>)[key];
      else ObjectDefineProperty(target, key, previous);
    }
  }
}
