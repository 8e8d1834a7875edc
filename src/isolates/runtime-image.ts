// The runtime image every isolate starts from, one per process: the guest runtime's source and
// units (shared external copies), the lazy-load native module, the code cache made after a warm-up
// request, or the startup snapshot. runtime-isolate.ts builds each isolate from it.
import ivm from 'isolated-vm';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Entry, HEADER_SEP, UNITS } from '../protocol/bridge.js';
import { encodeBatch } from '../protocol/request-batch.js';

const RUNTIME_PATH = fileURLToPath(new URL('../../guest/runtime.js', import.meta.url));
const RUNTIME_EAGER_PATH = fileURLToPath(new URL('../../guest/runtime-eager.js', import.meta.url));
const LAZY_LOAD_PATH = fileURLToPath(new URL('../../native/lazy-load.node', import.meta.url));

/**
 * The native module that gives the guest V8's lazy data properties and cached compilation of
 * runtime units (native/lazy-load.cc; the guest side is src/runtime-guest/lazy-globals.ts and
 * units.ts), or null when it was not built, does not load, or NANO_LAZY_GLOBALS=0. Without it the
 * host runs dist/guest/runtime-eager.js, which has the units bundled in and installs all globals
 * at start-up.
 */
let lazyLoad: ivm.NativeModule | null | undefined;
export function lazyLoadModule(): ivm.NativeModule | null {
  if (lazyLoad === undefined) {
    lazyLoad = null;
    if (process.env.NANO_LAZY_GLOBALS !== '0' && existsSync(LAZY_LOAD_PATH)) {
      try {
        lazyLoad = new ivm.NativeModule(LAZY_LOAD_PATH);
      } catch {
        lazyLoad = null;
      }
    }
  }
  return lazyLoad;
}
/** Tells the runtime's top level (before it runs) that boot() will get defineLazy. */
const LAZY_FLAG = 'globalThis.__nano_lazy_globals = true;';

/**
 * The runtime units' sources (src/runtime-guest/units.ts), one ExternalCopy each for the whole
 * process: every isolate gets them at boot as external strings over the same bytes.
 */
let unitCopies: ivm.ExternalCopy<string>[] | undefined;
function unitSourceCopies(): ivm.ExternalCopy<string>[] {
  unitCopies ??= UNITS.map((name) => new ivm.ExternalCopy(readFileSync(fileURLToPath(new URL(`../../guest/units/${name}.js`, import.meta.url)), 'utf8')));
  return unitCopies;
}

let runtimeCopy: ivm.ExternalCopy<string> | undefined;
function runtimeSourceCopy(): ivm.ExternalCopy<string> {
  runtimeCopy ??= new ivm.ExternalCopy(runtimeSource());
  return runtimeCopy;
}

let runtimeCode: string | undefined;
/** The code cache of the runtime script without the native module, made by the first isolate. */
let runtimeCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

/** The runtime script: with the lazy-load module the one without units; otherwise the one with them. */
function runtimeSource(): string {
  runtimeCode ??= readFileSync(lazyLoadModule() === null ? RUNTIME_EAGER_PATH : RUNTIME_PATH, 'utf8');
  return runtimeCode;
}

/**
 * How an isolate gets the runtime. "code-cache" (the default when the lazy-load native module is
 * there): the runtime's top level runs in each isolate, compiled from one external copy of its
 * source that all isolates share, with the code cache the process keeps (lazy-load.cc
 * compileUnit); that cache is made once per process after a warm-up request (warmRuntimeCache),
 * so it also holds the request path. "snapshot" (the default without the native module, or with
 * NANO_STARTUP=snapshot): V8 deserializes a heap in which the runtime's top level already ran,
 * built once per process on first use (~20 ms, ~0.8 MB).
 *
 * Code-cache isolates are smaller: isolated-vm gives every isolate a default context of its
 * own, which a snapshot fills with the whole runtime too; snapshot start-up is a little faster.
 * The measurements are on the docs' performance page ("Isolate start-up"); isolated-vm's README
 * also advises against snapshots (upstream #420), and test/isolates/startup.test.ts mixes both
 * kinds under load to keep that in check.
 */
export type Startup = 'snapshot' | 'code-cache';
export function defaultStartup(): Startup {
  const chosen = process.env.NANO_STARTUP;
  if (chosen === 'snapshot' || chosen === 'code-cache') return chosen;
  return lazyLoadModule() === null ? 'snapshot' : 'code-cache';
}
let snapshot: ivm.ExternalCopy<ArrayBuffer> | undefined;
/**
 * V8 runs this in a throwaway context of the snapshot and keeps the code it compiled, so an app's
 * first request does not compile the request path lazily. It serves one request against a stub
 * host (every call answers undefined); nothing it does survives but compiled code.
 */
const WARMUP = `
  globalThis.__nano_call = () => undefined;
  globalThis.__nano_send = () => undefined;
  __nano_boot(undefined, { defineLazy: () => true });
  __nano_entry(${Entry.init}, { fetch: (request) => new Response('warm ' + request.method, { headers: { 'content-type': 'text/plain' } }) }, '{}', 0);
  __nano_entry(${Entry.dispatchBatch}, ${JSON.stringify(encodeBatch([{ id: 1, bodyStream: 0, method: 'GET', url: 'http://warm.invalid/', headers: ['host', 'warm.invalid', 'accept', '*/*'].join(HEADER_SEP) }]))}, null, -1);
`;
/**
 * Code-cache start-up with the native module: the process-wide code cache of the runtime is
 * made once, in a throwaway isolate that runs WARMUP, so it holds the functions an app's first
 * request needs and not only the top level's (lazy-load.cc compileUnit makes the cache after its
 * `run` callback). Without it every isolate compiled the request path on its first request.
 */
let runtimeCacheWarmed = false;
function warmRuntimeCache(native: ivm.NativeModule): void {
  if (runtimeCacheWarmed) return;
  runtimeCacheWarmed = true;
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  try {
    const context = isolate.createContextSync();
    const module = native.createSync(context);
    context.evalSync(LAZY_FLAG);
    context.global.setSync('__nano_native', module.derefInto());
    context.global.setSync('__nano_runtime', runtimeSourceCopy().copyInto());
    context.evalSync(`__nano_native.compileUnit('nano:runtime', __nano_runtime, () => { ${WARMUP} });`, { timeout: 5000 });
    module.release();
  } finally {
    isolate.dispose();
  }
}

/** The startup snapshot, built on first use. */
export function runtimeSnapshot(): ivm.ExternalCopy<ArrayBuffer> {
  snapshot ??= ivm.Isolate.createSnapshot([...(lazyLoadModule() === null ? [] : [{ code: LAZY_FLAG }]), { code: runtimeSource(), filename: 'nano:runtime' }], WARMUP);
  return snapshot;
}

/** What boot() gets besides the outbox: the native module instance (or none) and the units' sources. */
export interface InstalledRuntime {
  readonly native: ivm.Reference | undefined;
  readonly units: ivm.Copy<string>[];
}

/**
 * Puts the runtime into a new isolate's context: nothing for an isolate made from the snapshot;
 * otherwise the runtime's top level runs, compiled from the process-wide code cache.
 */
export function installRuntime(isolate: ivm.Isolate, context: ivm.Context, fromSnapshot: boolean): InstalledRuntime {
  const lazy = lazyLoadModule();
  const native = lazy?.createSync(context);
  if (!fromSnapshot && lazy !== null && native !== undefined) {
    // The runtime from one external copy of its source that every isolate shares, compiled by
    // the native module from the code cache the process keeps (lazy-load.cc compileUnit).
    warmRuntimeCache(lazy);
    context.evalSync(LAZY_FLAG);
    context.global.setSync('__nano_native', native.derefInto());
    context.global.setSync('__nano_runtime', runtimeSourceCopy().copyInto());
    context.evalSync(`__nano_native.compileUnit('nano:runtime', __nano_runtime, () => undefined); delete globalThis.__nano_native; delete globalThis.__nano_runtime;`, { timeout: 5000 });
  } else if (!fromSnapshot) {
    const script = isolate.compileScriptSync(runtimeSource(), {
      filename: 'nano:runtime',
      ...(runtimeCache === undefined ? { produceCachedData: true } : { cachedData: runtimeCache }),
    });
    const produced = (script as ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer> }).cachedData;
    if (runtimeCache === undefined && produced !== undefined) runtimeCache = produced;
    script.runSync(context, { timeout: 5000 });
    script.release();
  }
  const units = lazy === null ? [] : unitSourceCopies().map((c) => c.copyInto());
  return { native, units };
}
