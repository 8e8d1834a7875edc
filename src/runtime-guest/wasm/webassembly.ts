// WebAssembly's promise-returning entry points. V8 compiles asynchronously on platform tasks that
// isolated-vm never runs, so `WebAssembly.compile` and `instantiate` would stay pending forever;
// here they compile synchronously within the call and settle the promise, with the spec's
// argument handling (https://webassembly.github.io/spec/js-api/#dom-webassembly-compile). The
// Web API's compileStreaming/instantiateStreaming (https://webassembly.github.io/spec/web-api/)
// take a Response (or a promise of one) with type application/wasm.
//
// WebAssembly memory lives outside the isolate's heap, so the isolate's memory limit does not
// see it: the memories an app can reach from JS (made with `new WebAssembly.Memory`, or exported
// by an instance) may hold at most the app's memoryMb together, checked when one is made, grown
// from JS, or exported by a new instance (RangeError past it). A module's own `memory.grow` is
// not seen here; the host caps every single memory at the largest memoryMb of the configured
// apps (V8's --wasm-max-mem-pages, src/host-calls/guest-limits.ts).
import { NumberIsFinite, ObjectDefineProperty, ObjectGetPrototypeOf, ObjectKeys, ObjectSetPrototypeOf, PromisePrototypeThen, PromiseReject, PromiseResolve, ReflectApply, WeakRefCtor } from '../core/primordials.js';
import { isResponse, type Response } from '../fetch/response.js';
import { guestLimits } from '../core/guest-limits.js';

type Wasm = {
  Module: new (bytes: unknown) => object;
  Instance: new (module: object, imports?: unknown) => object;
  Memory: new (descriptor: unknown) => object;
};

const PAGE = 65_536;
/** MemoryDescriptor's members (with the type-reflection and memory64 proposals' that V8 reads). */
const DESCRIPTOR_MEMBERS = ['address', 'index', 'initial', 'maximum', 'minimum', 'shared'];

/** Patches the context's WebAssembly namespace object (V8 makes one per context) in place. */
export function installWebAssembly(wasm: unknown): void {
  if (wasm === undefined) return;
  const { Module, Instance: NativeInstance, Memory: NativeMemory } = wasm as Wasm;
  const isModule = (value: unknown): boolean => value instanceof Module;

  // --- the memory budget --------------------------------------------------------------------
  const memoryProto = NativeMemory.prototype as object;
  const bufferGet = Object.getOwnPropertyDescriptor(memoryProto, 'buffer')?.get as () => ArrayBufferLike;
  const nativeGrow = (memoryProto as { grow: (delta: number) => number }).grow;
  const abLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')?.get as () => number;
  const sabLength = typeof SharedArrayBuffer === 'function' ? (Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength')?.get as () => number) : undefined;
  const construct = Reflect.construct;
  const tracked: WeakRef<object>[] = [];
  const isMemory = (value: unknown): boolean => {
    try {
      ReflectApply(bufferGet, value, []);
      return true;
    } catch {
      return false;
    }
  };
  const pagesOf = (memory: object): number => {
    const buffer = ReflectApply(bufferGet, memory, []);
    let bytes: number;
    try {
      bytes = ReflectApply(abLength, buffer, []) as number;
    } catch {
      bytes = sabLength === undefined ? 0 : (ReflectApply(sabLength, buffer, []) as number);
    }
    return bytes / PAGE;
  };
  /** Pages of the live tracked memories (dropping those collected), `except` one. */
  const usedPages = (except: object | null): number => {
    let pages = 0;
    let live = 0;
    for (let i = 0; i < tracked.length; i++) {
      const ref = tracked[i] as WeakRef<object>;
      const m = ref.deref();
      if (m === undefined) continue;
      tracked[live++] = ref;
      if (m !== except) pages += pagesOf(m);
    }
    tracked.length = live;
    return pages;
  };
  const refuse = (pages: number, budget: number): RangeError =>
    new RangeError(`WebAssembly memory over this app's limit: ${pages} pages of 64 KiB in use or asked for, ${budget} allowed (limits.memoryMb)`);
  const track = (memory: object): void => {
    for (const ref of tracked) if (ref.deref() === memory) return;
    const budget = guestLimits()[3];
    const pages = usedPages(null) + pagesOf(memory);
    if (pages > budget) throw refuse(pages, budget);
    tracked.push(new WeakRefCtor(memory));
  };

  /**
   * The constructor: the descriptor's members are read once, into a plain copy that V8 converts
   * (so a getter cannot show the check one size and V8 another); a size over the limit is refused
   * before anything is allocated.
   */
  const Memory = function Memory(this: unknown, descriptor: unknown): object {
    if (new.target === undefined) throw new TypeError("WebAssembly.Memory must be invoked with 'new'");
    let arg = descriptor;
    if (typeof descriptor === 'object' && descriptor !== null) {
      const src = descriptor as Record<string, unknown>;
      const copy: Record<string, unknown> = {};
      for (const k of DESCRIPTOR_MEMBERS) {
        const v = src[k];
        if (v !== undefined) copy[k] = v;
      }
      const asked = Number(copy.initial ?? copy.minimum);
      if (NumberIsFinite(asked) && asked > 0) {
        const budget = guestLimits()[3];
        const pages = usedPages(null) + Math.trunc(asked);
        if (pages > budget) throw refuse(pages, budget);
      }
      arg = copy;
    }
    const memory = construct(NativeMemory, [arg], new.target) as object;
    track(memory);
    return memory;
  };
  ObjectDefineProperty(Memory, 'prototype', { value: memoryProto, writable: false, enumerable: false, configurable: false });
  ObjectDefineProperty(memoryProto, 'constructor', { value: Memory, writable: true, enumerable: false, configurable: true });
  ObjectDefineProperty(Memory, 'length', { value: 1, configurable: true });

  /** Memory.prototype.grow: the delta converted once, here, and checked before growing. */
  function grow(this: unknown, delta: unknown): number {
    const n = Number(delta);
    if (isMemory(this) && NumberIsFinite(n) && n > 0) {
      const budget = guestLimits()[3];
      const pages = usedPages(this as object) + pagesOf(this as object) + Math.trunc(n);
      if (pages > budget) throw refuse(pages, budget);
      const r = ReflectApply(nativeGrow, this, [n]) as number;
      track(this as object);
      return r;
    }
    return ReflectApply(nativeGrow, this, [delta]) as number;
  }
  ObjectDefineProperty(grow, 'length', { value: 1, configurable: true });
  ObjectDefineProperty(memoryProto, 'grow', { value: grow, writable: true, enumerable: true, configurable: true });

  /** The instance, made by V8; the memories it exports count (it is dropped when over the limit). */
  const Instance = function Instance(this: unknown, module: unknown, importObject: unknown = undefined): object {
    if (new.target === undefined) throw new TypeError("WebAssembly.Instance must be invoked with 'new'");
    const instance = construct(NativeInstance, [module, importObject], new.target) as { exports: Record<string, unknown> };
    const exports = instance.exports;
    for (const key of ObjectKeys(exports)) {
      const v = exports[key];
      if (typeof v === 'object' && v !== null && isMemory(v)) track(v);
    }
    return instance;
  };
  ObjectDefineProperty(Instance, 'prototype', { value: NativeInstance.prototype, writable: false, enumerable: false, configurable: false });
  ObjectDefineProperty(NativeInstance.prototype as object, 'constructor', { value: Instance, writable: true, enumerable: false, configurable: true });
  ObjectDefineProperty(Instance, 'length', { value: 1, configurable: true });
  for (const [name, ctor] of [['Memory', Memory], ['Instance', Instance]] as const) {
    ObjectDefineProperty(ctor, 'name', { value: name, configurable: true });
    ObjectSetPrototypeOf(ctor, ObjectGetPrototypeOf(name === 'Memory' ? NativeMemory : NativeInstance) as object);
    ObjectDefineProperty(wasm as object, name, { value: ctor, writable: true, enumerable: false, configurable: true });
  }

  function compile(bytes: unknown): Promise<object> {
    try {
      return PromiseResolve(new Module(bytes)) as Promise<object>;
    } catch (err) {
      return PromiseReject(err) as Promise<object>;
    }
  }

  /** instantiate(module, imports) → Instance; instantiate(bytes, imports) → { module, instance }. */
  function instantiate(source: unknown, importObject: unknown = undefined): Promise<unknown> {
    try {
      if (importObject !== undefined && (typeof importObject !== 'object' || importObject === null)) {
        throw new TypeError('WebAssembly.instantiate(): Argument 1 must be an object');
      }
      if (isModule(source)) return PromiseResolve(construct(Instance, [source, importObject]));
      const module = new Module(source);
      return PromiseResolve({ module, instance: construct(Instance, [module, importObject]) });
    } catch (err) {
      return PromiseReject(err);
    }
  }

  /** https://webassembly.github.io/spec/web-api/#compile-a-potential-webassembly-response */
  function responseBytes(source: unknown): Promise<ArrayBuffer> {
    return PromisePrototypeThen(PromiseResolve(source), (response) => {
      if (!isResponse(response)) throw new TypeError('WebAssembly: the argument must be a Response or a promise of one.');
      const r = response as Response;
      const type = (r.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/wasm') throw new TypeError(`WebAssembly: the response's MIME type must be 'application/wasm', not '${type ?? ''}'.`);
      if (!r.ok) throw new TypeError(`WebAssembly: the response status ${r.status} is not ok.`);
      return r.arrayBuffer();
    }) as Promise<ArrayBuffer>;
  }
  function compileStreaming(source: unknown): Promise<object> {
    return PromisePrototypeThen(responseBytes(source), (bytes) => new Module(bytes)) as Promise<object>;
  }
  function instantiateStreaming(source: unknown, importObject: unknown = undefined): Promise<unknown> {
    return PromisePrototypeThen(responseBytes(source), (bytes) => instantiate(bytes, importObject));
  }

  for (const [name, fn, length] of [
    ['compile', compile, 1],
    ['instantiate', instantiate, 1],
    ['compileStreaming', compileStreaming, 1],
    ['instantiateStreaming', instantiateStreaming, 1],
  ] as const) {
    ObjectDefineProperty(fn, 'name', { value: name, configurable: true });
    ObjectDefineProperty(fn, 'length', { value: length, configurable: true });
    const enumerable = Object.getOwnPropertyDescriptor(wasm as object, name)?.enumerable ?? false;
    ObjectDefineProperty(wasm as object, name, { value: fn, writable: true, enumerable, configurable: true });
  }
}
