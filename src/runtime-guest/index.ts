// The guest runtime's entry: installs the web platform on the isolate's global in a fixed order,
// then leaves one function, `__nano_entry`, for the host to take (and delete) as its way in.
import { Entry, type EntryKind } from '../protocol/bridge.js';
import { bindHost, completeOp, setOrigin } from './host.js';
import { startClock } from './clock.js';
import { BATCH_SEP, HEADER_SEP } from '../protocol/bridge.js';
import { captureBootPrimordials, exposeGlobals } from './primordials.js';
import { DOMException } from './dom-exception.js';
import { Event, CustomEvent, ErrorEvent, EventTarget, initEventTarget, setReportHook } from './events.js';
import { AbortController, AbortSignal } from './abort.js';
import { setTimeout, setInterval, clearTimeout, clearInterval, queueMicrotask, fireTimer } from './timers.js';
import { TextEncoder, TextDecoder } from './encoding.js';
import { atob, btoa } from './base64.js';
import { console } from './console.js';
// crypto, URLPattern, performance, navigator, WebAssembly, reportError
import { crypto, Crypto, subtleCrypto } from './crypto-random.js';
import { installWebAssembly } from './webassembly.js';
import { reportError, reportException } from './report-error.js';
import { cloneUnit } from './cloneable.js';
import { URL, URLSearchParams } from './url.js';
import { Headers } from './headers.js';
import { Request } from './request.js';
import { Response } from './response.js';
import { streams, STREAM_INTERFACES } from './streams.js';
import { lazyUnit, setUnitCore, setUnitSources } from './units.js';
import { form } from './body.js';
import { unitCore } from './unit-core.js';
import { exposeLazyGlobalsAtBoot, exposeLazyGlobalsAtLoad, type LazyGlobals } from './lazy-globals.js';
// Request/Response/body/fetch/streams/Blob/FileReader/FormData/compression
import { Blob } from './blob.js';
import { FetchEvent, dispatchRequest, initApp, installEnvGlobals, pushBody, takeBody, takeBodyInto, setBodyWindow, cancelBody, abortRequest, setOutbox, takeOutbox } from './dispatch.js';

setReportHook(reportException);

// The global object is the app's EventTarget (addEventListener('fetch', …)); boot() registers it.
for (const name of ['addEventListener', 'removeEventListener', 'dispatchEvent'] as const) {
  const fn = EventTarget.prototype[name];
  Object.defineProperty(globalThis, name, { value: fn, writable: true, configurable: true, enumerable: true });
}

exposeGlobals({
  DOMException,
  Event,
  CustomEvent,
  ErrorEvent,
  EventTarget,
  FetchEvent,
  AbortController,
  AbortSignal,
  setTimeout,
  setInterval,
  clearTimeout,
  clearInterval,
  queueMicrotask,
  TextEncoder,
  TextDecoder,
  atob,
  btoa,
  console,
  crypto,
  Crypto,
  reportError,
  URL,
  URLSearchParams,
  Headers,
  Request,
  Response,
  Blob,
  self: globalThis,
});

// Installed as lazy data properties when the host provides defineLazy (lazy-globals.ts): each is
// a runtime unit (units.ts), compiled and evaluated when an app first reads one of its globals (or
// the runtime first needs it), so an app that never streams, fetches or hashes never pays for
// those parts. The modules behind them are not in this script: only their types are imported.
setUnitCore(unitCore);
const textStreams = lazyUnit<typeof import('./text-streams.js')>('text-streams');
const compression = lazyUnit<typeof import('./compression.js')>('compression');
const fileReader = lazyUnit<typeof import('./file-reader.js')>('file-reader');
const perf = lazyUnit<typeof import('./performance.js')>('performance');
const nav = lazyUnit<typeof import('./navigator.js')>('navigator');
const urlPattern = lazyUnit<typeof import('./url-pattern.js')>('url-pattern');
const fetchModule = lazyUnit<typeof import('./fetch.js')>('fetch');
const LAZY_GLOBALS: LazyGlobals = {
  ProgressEvent: () => fileReader().ProgressEvent,
  SubtleCrypto: () => subtleCrypto().SubtleCrypto,
  CryptoKey: () => subtleCrypto().CryptoKey,
  URLPattern: () => urlPattern().URLPattern,
  performance: () => perf().performance,
  Performance: () => perf().Performance,
  PerformanceEntry: () => perf().PerformanceEntry,
  PerformanceMark: () => perf().PerformanceMark,
  PerformanceMeasure: () => perf().PerformanceMeasure,
  Navigator: () => nav().Navigator,
  structuredClone: () => cloneUnit().structuredClone,
  ...Object.fromEntries(STREAM_INTERFACES.map((name) => [name, () => streams()[name]])),
  File: () => form().File,
  FileReader: () => fileReader().FileReader,
  FormData: () => form().FormData,
  TextEncoderStream: () => textStreams().TextEncoderStream,
  TextDecoderStream: () => textStreams().TextDecoderStream,
  CompressionStream: () => compression().CompressionStream,
  DecompressionStream: () => compression().DecompressionStream,
  fetch: () => fetchModule().fetch,
  navigator: () => nav().navigator,
};
exposeLazyGlobalsAtLoad(LAZY_GLOBALS);

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
      fireTimer(a as number);
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
      initApp(a, b as string);
      return undefined;
    case Entry.envGlobals:
      installEnvGlobals(a as string);
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
  // A context made from a snapshot has a new global proxy, and V8 installs WebAssembly anew: both
  // the global's EventTarget state and the WebAssembly patch belong here, not in the top level.
  initEventTarget(globalThis);
  installWebAssembly();
  exposeLazyGlobalsAtBoot(LAZY_GLOBALS, native?.defineLazy);
  Object.defineProperty(globalThis, '__nano_entry', { value: entry, configurable: true, enumerable: false, writable: false });
}
Object.defineProperty(globalThis, '__nano_boot', { value: boot, configurable: true, enumerable: false, writable: false });
