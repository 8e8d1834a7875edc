// The guest runtime's entry: installs the web platform on the isolate's global in a fixed order,
// then leaves one function, `__nano_entry`, for the host to take (and delete) as its way in.
import { Entry, type EntryKind, type UnitName } from '../protocol/bridge.js';
import { bindHost, completeOp, setOrigin } from './core/host.js';
import { startClock } from './core/clock.js';
import { BATCH_SEP, HEADER_SEP } from '../protocol/bridge.js';
import { captureBootPrimordials, exposeGlobals } from './core/primordials.js';
import { setTimeout, setInterval, clearTimeout, clearInterval, queueMicrotask, fireTimer, fireTimers } from './html/timers.js';
import { installWebAssembly } from './wasm/webassembly.js';
import { presentGlobalScope } from './core/global-scope.js';
import { Headers } from './fetch/headers.js';
import { Request } from './fetch/request.js';
import { Response } from './fetch/response.js';
import { STREAM_INTERFACES } from './streams/streams.js';
import { setUnitCore, setUnitSources, unitExports } from './core/units.js';
import { unitCore } from './core/unit-core.js';
import { exposeLazyGlobalsAtBoot, exposeLazyGlobalsAtLoad, prepareGlobalOnFirstRead, type LazyGlobals } from './core/lazy-globals.js';
import { EAGER_UNITS } from './core/eager-units.js';
import { dispatchRequest } from './serve/dispatch.js';
import { initApp, installEnvGlobals } from './serve/app-env.js';
import { pushBody } from './serve/request-body.js';
import { takeBody, takeBodyInto, setBodyWindow, cancelBody } from './serve/response-body.js';
import { abortRequest } from './serve/request-signal.js';
import { setOutbox, takeOutbox } from './serve/outbox.js';

exposeGlobals({
  setTimeout,
  setInterval,
  clearTimeout,
  clearInterval,
  queueMicrotask,
  Headers,
  Request,
  Response,
  self: globalThis,
});

// Installed as lazy data properties when the host provides defineLazy (lazy-globals.ts): each is
// a runtime unit (units.ts), compiled and evaluated when an app first reads one of its globals (or
// the runtime first needs it), so an app that never streams, fetches or hashes never pays for
// those parts. The modules behind them are not in this script: only their types are imported.
setUnitCore(unitCore);
// The global object is the app's EventTarget (addEventListener('fetch', …)): the events unit
// registers it when it loads. Its three methods are enumerable own properties of the global.
const GLOBAL_TARGET_METHODS: ReadonlySet<string> = new Set(['addEventListener', 'removeEventListener', 'dispatchEvent']);
/**
 * Global name, then the unit whose export of that name it is (the global's EventTarget methods:
 * the events unit's EventTarget.prototype methods). One flat array of strings and one resolver,
 * rather than a closure per global: this table is in every isolate.
 */
const LAZY_GLOBAL_UNITS: string[] = [
  'DOMException', 'dom-exception',
  'atob', 'base64',
  'btoa', 'base64',
  'crypto', 'crypto-random',
  'Crypto', 'crypto-random',
  'Blob', 'blob',
  'URL', 'url',
  'URLSearchParams', 'url',
  'TextEncoder', 'encoding',
  'TextDecoder', 'encoding',
  'Event', 'events',
  'CustomEvent', 'events',
  'ErrorEvent', 'events',
  'EventTarget', 'events',
  'addEventListener', 'events',
  'removeEventListener', 'events',
  'dispatchEvent', 'events',
  'FetchEvent', 'fetch-event',
  'AbortController', 'abort',
  'AbortSignal', 'abort',
  'console', 'console',
  'reportError', 'report-error',
  'ProgressEvent', 'file-reader',
  'SubtleCrypto', 'subtle-crypto',
  'CryptoKey', 'subtle-crypto',
  'URLPattern', 'url-pattern',
  'performance', 'performance',
  'Performance', 'performance',
  'PerformanceEntry', 'performance',
  'PerformanceMark', 'performance',
  'PerformanceMeasure', 'performance',
  'Navigator', 'navigator',
  'structuredClone', 'structured-clone',
  'File', 'form',
  'FileReader', 'file-reader',
  'FormData', 'form',
  'TextEncoderStream', 'text-streams',
  'TextDecoderStream', 'text-streams',
  'CompressionStream', 'compression',
  'DecompressionStream', 'compression',
  'fetch', 'fetch',
  'navigator', 'navigator',
];
for (const name of STREAM_INTERFACES) LAZY_GLOBAL_UNITS.push(name, 'web-streams-polyfill');
const LAZY_GLOBALS: LazyGlobals = {
  names: LAZY_GLOBAL_UNITS.filter((_, i) => i % 2 === 0),
  resolve(name: string): unknown {
    for (let i = 0; i < LAZY_GLOBAL_UNITS.length; i += 2) {
      if (LAZY_GLOBAL_UNITS[i] !== name) continue;
      const exports = unitExports<Record<string, unknown>>(LAZY_GLOBAL_UNITS[i + 1] as UnitName);
      if (GLOBAL_TARGET_METHODS.has(name)) return ((exports.EventTarget as { prototype: Record<string, unknown> }).prototype)[name];
      return exports[name];
    }
    throw new Error(`NANO runtime: no lazy global ${name}`);
  },
};
exposeLazyGlobalsAtLoad(LAZY_GLOBALS, GLOBAL_TARGET_METHODS);

/**
 * Entry.dispatchBatch. Each request's handler runs with its own origin; continuations after an
 * await run at the end of the entry under the last origin (CPU of those is charged to the batch).
 */
function dispatchBatch(batch: string): void {
  // Fields by index, not split(): the header part stays one string until a handler reads
  // request.headers (most never do), so a request allocates no array or string per header here.
  let start = 0;
  for (;;) {
    let end = batch.indexOf(BATCH_SEP, start);
    if (end < 0) end = batch.length;
    const a = batch.indexOf(HEADER_SEP, start);
    const b = batch.indexOf(HEADER_SEP, a + 1);
    const c = batch.indexOf(HEADER_SEP, b + 1);
    const d = batch.indexOf(HEADER_SEP, c + 1);
    const id = Number(batch.slice(start, a));
    const hasHeaders = d >= 0 && d < end;
    setOrigin(id);
    dispatchRequest(id, batch.slice(b + 1, c), batch.slice(c + 1, hasHeaders ? d : end), hasHeaders ? batch.slice(d + 1, end) : '', Number(batch.slice(a + 1, b)));
    if (end === batch.length) return;
    start = end + 1;
  }
}

/** The host's one way in. `origin` tags the entry for CPU accounting on the host side. */
function entry(kind: EntryKind, a: unknown, b: unknown, origin: number, c?: unknown, d?: unknown, e?: unknown): unknown {
  setOrigin(origin);
  switch (kind) {
    case Entry.dispatch:
      dispatchRequest(a as number, b as string, c as string, d as string, e as number);
      return undefined;
    case Entry.dispatchBatch:
      dispatchBatch(a as string);
      return undefined;
    case Entry.complete:
      completeOp(a as number, b);
      return undefined;
    case Entry.timer:
      if (typeof a === 'number') fireTimer(a);
      else fireTimers(a);
      return undefined;
    case Entry.bodyPush:
      pushBody(a as number, b);
      return undefined;
    case Entry.bodyTake:
      return takeBody(a as number, b as number);
    case Entry.bodyWindow:
      setBodyWindow(a as number, b);
      return undefined;
    case Entry.bodyTakeInto:
      return takeBodyInto(a as number, b as number, c as number);
    case Entry.requestAbort:
      abortRequest(a as number, String(b));
      return undefined;
    case Entry.bodyCancel:
      cancelBody(a as number, String(b));
      return undefined;
    case Entry.init:
      initApp(a, b as string, c);
      return undefined;
    case Entry.envGlobals:
      installEnvGlobals(a as string, c);
      return undefined;
    case Entry.collect:
      return takeOutbox();
    case Entry.reduceMemory:
      reduceMemory?.();
      return undefined;
    default:
      throw new TypeError(`unknown entry kind ${String(kind)}`);
  }
}

/**
 * The host calls this once, right after the runtime's top level ran (from source, or long before
 * in a startup snapshot): binds the host bridge, starts the clock, and leaves `__nano_entry`.
 * `native` is the lazy-load native module's exports (lazy-globals.ts, units.ts), `unitSources` the
 * runtime units' sources in UNITS order (units.ts).
 */
/** The native module's reduceMemory (Entry.reduceMemory), if the host passed the module. */
let reduceMemory: (() => void) | undefined;

function boot(outboxFlags?: unknown, native?: { defineLazy?: unknown; compileUnit?: unknown; reduceMemory?: unknown }, ...unitSources: unknown[]): void {
  delete (globalThis as Record<string, unknown>).__nano_boot;
  if (typeof native?.reduceMemory === 'function') reduceMemory = native.reduceMemory as () => void;
  setUnitSources(unitSources, native?.compileUnit);
  bindHost();
  captureBootPrimordials();
  setOutbox(outboxFlags);
  startClock();
  presentGlobalScope();
  // A context made from a snapshot has a new global proxy, and V8 installs WebAssembly anew: both
  // the global's EventTarget state (when the events unit is bundled in and so already ran) and
  // the WebAssembly patch belong here, not in the top level.
  if (EAGER_UNITS !== undefined) unitExports<typeof import('./events/events.js')>('events').initEventTarget(globalThis);
  prepareGlobalOnFirstRead('WebAssembly', installWebAssembly, native?.defineLazy);
  exposeLazyGlobalsAtBoot(LAZY_GLOBALS, native?.defineLazy, GLOBAL_TARGET_METHODS);
  Object.defineProperty(globalThis, '__nano_entry', { value: entry, configurable: true, enumerable: false, writable: false });
}
Object.defineProperty(globalThis, '__nano_boot', { value: boot, configurable: true, enumerable: false, writable: false });
