// Runtime units: code that lives outside the runtime's own script and is compiled in an isolate
// only when first needed (the streams and URLPattern polyfills, see UNITS in
// src/protocol/bridge.ts and scripts/build.mjs).
//
// Why not just bundle them lazily: V8 keeps a script's whole source in each isolate's heap (it
// compiles functions from it lazily), and a startup snapshot serializes that source into every
// isolate made from it. A unit's source instead reaches the isolate at boot as an external string
// whose bytes the host shares between all isolates (isolated-vm hands strings over 1 KiB in that
// way), so an isolate that never uses a unit pays ~40 bytes for it, not its length.
//
// The host passes the sources to boot() in a lazy-globals runtime. An eager one (no native module)
// installs everything at its top level, in the startup snapshot: there the host runs each unit as
// an ordinary script first, which leaves its factory in `__nano_units`.
import { UNITS, type UnitName } from '../protocol/bridge.js';

type Factory = (module: { exports: unknown }, exports: unknown) => void;
type CompileUnit = (name: string, source: string, run: (factory: Factory) => unknown) => unknown;

// Without the native module: an indirect eval (captured at load) compiles in the global scope,
// with the unit's string as the script's source (no copy), but parses it anew in every isolate.
const indirectEval = eval;
const evalUnit: CompileUnit = (_name, source, run) => run(indirectEval(source) as Factory);
let compileUnit: CompileUnit = evalUnit;
const sources = new Map<UnitName, string | Factory>();

function take(values: Record<string, unknown> | readonly unknown[]): void {
  UNITS.forEach((name, i) => {
    const source = Array.isArray(values) ? values[i] : (values as Record<string, unknown>)[name];
    if (typeof source === 'string' || typeof source === 'function') sources.set(name, source as string | Factory);
  });
}

const flags = globalThis as { __nano_units?: Record<string, unknown> };
if (flags.__nano_units !== undefined) take(flags.__nano_units);
delete flags.__nano_units;

/** boot(): the unit sources, in UNITS order, and the native module's compileUnit if there is one. */
export function setUnitSources(values: readonly unknown[], nativeCompile: unknown): void {
  take(values);
  if (typeof nativeCompile === 'function') compileUnit = nativeCompile as CompileUnit;
}

/**
 * Compiles and runs a unit (CommonJS shape: `(function (module, exports) { … })`) and returns its
 * exports. Callers cache the result and run this inside withPristineBuiltins. With the native
 * module, isolates after the first compile from a code cache the process keeps (lazy-load.cc).
 */
export function loadUnit<T>(name: UnitName): T {
  const source = sources.get(name);
  if (source === undefined) throw new Error(`NANO runtime unit "${name}" was not provided by the host`);
  const run = (factory: Factory): unknown => {
    const module = { exports: {} as unknown };
    factory(module, module.exports);
    return module.exports;
  };
  const exports = typeof source === 'function' ? run(source) : compileUnit(name, source, run);
  sources.delete(name);
  return exports as T;
}
