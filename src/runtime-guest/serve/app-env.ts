// The app's handler and env, set once per isolate (Entry.init) and read on every request: module
// syntax (`export default { fetch }`) keeps its handler here; service-worker syntax gets the env
// bindings as globals, as in Workers. Service bindings become objects whose fetch() reaches the
// other app of the same NANO process.
import { lazyUnit } from '../core/units.js';

const fetchUnit = lazyUnit<typeof import('../fetch/fetch.js')>('fetch');

export type Handler = (request: unknown, env: unknown, ctx: unknown) => unknown;
/** The default export's fetch (module syntax), or null (service-worker syntax). */
export let moduleHandler: Handler | null = null;
/** The default export, `this` of the handler. */
export let moduleThis: unknown = undefined;
/** The frozen env handed to a module handler. */
export let env: unknown = Object.freeze({});

/** Entry.init: the app's default export (module syntax) or undefined; the frozen env. */
export function initApp(defaultExport: unknown, envJson: string, servicesJson?: unknown): void {
  env = deepFreeze(withServices(JSON.parse(envJson) as Record<string, unknown>, servicesJson));
  if (defaultExport !== undefined && defaultExport !== null && typeof (defaultExport as { fetch?: unknown }).fetch === 'function') {
    moduleHandler = (defaultExport as { fetch: Handler }).fetch;
    moduleThis = defaultExport;
  }
}

/** For service-worker syntax apps the env bindings are globals, as in Workers. */
export function installEnvGlobals(envJson: string, servicesJson?: unknown): void {
  const values = withServices(JSON.parse(envJson) as Record<string, unknown>, servicesJson);
  for (const [k, v] of Object.entries(values)) {
    Object.defineProperty(globalThis, k, { value: deepFreeze(v), writable: false, configurable: false, enumerable: true });
  }
}

/**
 * Service bindings (`[[binding, app], …]` as JSON from the host): each binding becomes an object
 * whose fetch() sends the request to that app of the same NANO process (src/host-calls/fetch.ts).
 */
function withServices(values: Record<string, unknown>, servicesJson: unknown): Record<string, unknown> {
  if (typeof servicesJson !== 'string' || servicesJson === '') return values;
  for (const [binding, service] of JSON.parse(servicesJson) as [string, string][]) {
    values[binding] = {
      fetch(input: unknown, init?: unknown): Promise<unknown> {
        return fetchUnit().fetchService(service, input, init);
      },
    };
  }
  return values;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
