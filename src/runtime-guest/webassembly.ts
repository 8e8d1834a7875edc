// WebAssembly's promise-returning entry points. V8 compiles asynchronously on platform tasks that
// isolated-vm never runs, so `WebAssembly.compile` and `instantiate` would stay pending forever;
// here they compile synchronously within the call and settle the promise, with the spec's
// argument handling (https://webassembly.github.io/spec/js-api/#dom-webassembly-compile). The
// Web API's compileStreaming/instantiateStreaming (https://webassembly.github.io/spec/web-api/)
// take a Response (or a promise of one) with type application/wasm.
import { ObjectDefineProperty, PromisePrototypeThen, PromiseReject, PromiseResolve } from './primordials.js';
import { isResponse, type Response } from './response.js';

type Wasm = {
  Module: new (bytes: unknown) => object;
  Instance: new (module: object, imports?: unknown) => object;
};

/** Patches the context's WebAssembly namespace object (V8 makes one per context) in place. */
export function installWebAssembly(wasm: unknown): void {
  if (wasm === undefined) return;
  const { Module, Instance } = wasm as Wasm;
  const isModule = (value: unknown): boolean => value instanceof Module;

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
      if (isModule(source)) return PromiseResolve(new Instance(source as object, importObject));
      const module = new Module(source);
      return PromiseResolve({ module, instance: new Instance(module, importObject) });
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
