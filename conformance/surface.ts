// The WinterTC Minimum Common API surface: every interface and global, checked by typeof inside an isolate.
import { randomBytes } from 'node:crypto';
import { createTestIsolate } from './isolate-factory.js';

/** One global the Minimum Common API requires, with the typeof it must have. */
export interface SurfaceEntry {
  readonly name: string;
  readonly kind: 'interface' | 'global';
  readonly type: 'function' | 'object';
}

const INTERFACES = [
  'AbortController', 'AbortSignal', 'Blob', 'ByteLengthQueuingStrategy', 'CompressionStream',
  'CountQueuingStrategy', 'Crypto', 'CryptoKey', 'CustomEvent', 'DecompressionStream', 'DOMException',
  'Event', 'EventTarget', 'File', 'FormData', 'Headers', 'ReadableByteStreamController', 'ReadableStream',
  'ReadableStreamBYOBReader', 'ReadableStreamBYOBRequest', 'ReadableStreamDefaultController',
  'ReadableStreamDefaultReader', 'Request', 'Response', 'SubtleCrypto', 'TextDecoder', 'TextDecoderStream',
  'TextEncoder', 'TextEncoderStream', 'TransformStream', 'TransformStreamDefaultController', 'URL',
  'URLPattern', 'URLSearchParams', 'WritableStream', 'WritableStreamDefaultController',
  'WritableStreamDefaultWriter',
] as const;

/** Namespaces and objects are "object"; callable globals are "function". */
const GLOBALS: readonly (readonly [string, 'function' | 'object'])[] = [
  ['WebAssembly', 'object'], ['globalThis', 'object'], ['self', 'object'], ['atob', 'function'],
  ['btoa', 'function'], ['console', 'object'], ['crypto', 'object'], ['fetch', 'function'],
  ['navigator', 'object'], ['performance', 'object'], ['queueMicrotask', 'function'],
  ['reportError', 'function'], ['setTimeout', 'function'], ['clearTimeout', 'function'],
  ['setInterval', 'function'], ['clearInterval', 'function'], ['structuredClone', 'function'],
];

/** The whole list, interfaces first, as the docs table shows it. */
export const SURFACE: readonly SurfaceEntry[] = [
  ...INTERFACES.map((name) => ({ name, kind: 'interface' as const, type: 'function' as const })),
  ...GLOBALS.map(([name, type]) => ({ name, kind: 'global' as const, type })),
];

/** The outcome for one entry: the typeof seen in the isolate ("undefined" when missing). */
export interface SurfaceResult extends SurfaceEntry {
  readonly actual: string;
  readonly ok: boolean;
}

/**
 * Creates one isolate exactly as the runner does for test files and reads `typeof` of every
 * entry. `self` must also be the global object itself. Throws if the isolate cannot run at all.
 */
export async function checkSurface(): Promise<SurfaceResult[]> {
  const marker = `\u0001NANO-SURFACE-${randomBytes(8).toString('hex')}:`;
  let seen: Record<string, string> | undefined;
  const isolate = await createTestIsolate({
    name: 'wpt:surface',
    onLog: (_level, text) => {
      const at = text.indexOf(marker);
      if (at !== -1) seen = JSON.parse(text.slice(at + marker.length)) as Record<string, string>;
    },
  });
  try {
    const code = `(function () {
  var names = ${JSON.stringify(SURFACE.map((entry) => entry.name))};
  var out = {};
  for (var i = 0; i < names.length; i++) {
    var name = names[i];
    out[name] = name === 'globalThis' ? typeof globalThis : typeof globalThis[name];
  }
  if (out.self === 'object' && globalThis.self !== globalThis) out.self = 'object (not the global)';
  console.log(${JSON.stringify(marker)} + JSON.stringify(out));
})();`;
    await isolate.runScript(code, 'wpt:surface.js', 5000);
    // console output may reach the host a moment after the script returns.
    for (let waited = 0; seen === undefined && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    isolate.dispose();
  }
  if (seen === undefined) throw new Error('the surface check printed nothing: console.log does not reach the host');
  const types = seen;
  return SURFACE.map((entry) => {
    const actual = types[entry.name] ?? 'undefined';
    return { ...entry, actual, ok: actual === entry.type };
  });
}
