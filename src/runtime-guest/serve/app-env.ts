// The app's handler and env, set once per isolate (Entry.init) and read on every request: module
// syntax (`export default { fetch }`) keeps its handler here; service-worker syntax gets the env
// bindings as globals, as in Workers. Service bindings become objects whose fetch() reaches the
// other app of the same NANO process and whose other methods are RPC calls (service-rpc.ts).
import { lazyUnit } from '../core/units.js';

const fetchUnit = lazyUnit<typeof import('../fetch/fetch.js')>('fetch');
const rpcUnit = lazyUnit<typeof import('./service-rpc.js')>('service-rpc');
/**
 * Names a binding never turns into an RPC call: `await env.AUTH` must not see a thenable, and
 * String(env.AUTH) or JSON.stringify must not call the other app (Object.prototype's names too).
 */
const NOT_RPC = new Set(['then', 'catch', 'finally', 'toJSON', 'inspect']);

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
  for (const [binding, service] of JSON.parse(servicesJson) as [string, string][]) values[binding] = serviceBinding(service);
  return values;
}

/** `fetch()` plus, for any other method name, an RPC call of the callee's WorkerEntrypoint method. */
function serviceBinding(service: string): object {
  const target = {
    fetch(input: unknown, init?: unknown): Promise<unknown> {
      return fetchUnit().fetchService(service, input, init);
    },
  };
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(target, {
    get(t, key) {
      if (typeof key !== 'string' || Object.hasOwn(t, key) || key in Object.prototype || NOT_RPC.has(key)) return Reflect.get(t, key);
      let m = methods.get(key);
      if (m === undefined) {
        m = (...args: unknown[]): Promise<unknown> => rpcUnit().callRpc(service, key, args);
        methods.set(key, m);
      }
      return m;
    },
  });
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
