// RPC over service bindings, both ends (a runtime unit: only apps that use RPC load it). The
// caller's `env.AUTH.method(...args)` sends the encoded arguments as a service-binding request
// (so the callee's limits apply and the caller's subrequests count it); the callee, whose default
// export is a `WorkerEntrypoint` class, gets a fresh instance with (ctx, env), runs the method and
// answers with the encoded result or the thrown error. Values cross as copies (rpc-codec.ts).
import { RPC_METHOD_HEADER, RPC_RESULT_HEADER } from '../../protocol/bridge.js';
import { ObjectGetPrototypeOf, ReflectApply, ReflectGetOwnPropertyDescriptor } from '../core/primordials.js';
import { lazyUnit } from '../core/units.js';
import type { Request } from '../fetch/request.js';
import { Response } from '../fetch/response.js';
import { decodeRpc, encodeRpc } from './rpc-codec.js';

const fetchUnit = lazyUnit<typeof import('../fetch/fetch.js')>('fetch');

/** Set by `cloudflare:workers` on WorkerEntrypoint (src/project/cloudflare-workers.ts). */
const ENTRYPOINT = Symbol.for('nano.WorkerEntrypoint');
/** Methods a caller may not call: the HTTP entry and the class machinery. */
const RESERVED = new Set(['constructor', 'fetch']);
/** The callee's URL for an RPC request (its handler never sees it). */
const RPC_URL = 'http://rpc.nano.invalid/';

/** The caller's end: resolves with a copy of the method's result, rejects with its error. */
export async function callRpc(service: string, method: string, args: readonly unknown[]): Promise<unknown> {
  const body = encodeRpc(args);
  const res = await fetchUnit().fetchService(service, RPC_URL, { method: 'POST', headers: { [RPC_METHOD_HEADER]: method, 'content-type': 'application/json' }, body });
  const kind = res.headers.get(RPC_RESULT_HEADER);
  const text = await res.text();
  if (kind === 'value') return decodeRpc(text);
  if (kind === 'error') throw decodeRpc(text);
  // NANO answered for the callee (not loaded, overloaded, draining): its error JSON says why.
  throw new Error(`RPC ${method}() on service "${service}" failed: ${res.status} ${nanoMessage(text)}`);
}

/** The callee's end: `target` is the app's default export, `method` the name the host vouched for. */
export async function serveRpc(target: unknown, method: string, request: Request, env: unknown, ctx: object): Promise<Response> {
  let kind = 'value';
  let payload: string;
  try {
    const fn = methodOf(target, method);
    const args = decodeRpc(await request.text());
    if (!Array.isArray(args)) throw new TypeError('malformed RPC arguments');
    const instance = Reflect.construct(target as new (...a: unknown[]) => object, [ctx, env]);
    payload = encodeRpc(await ReflectApply(fn, instance, args));
  } catch (err) {
    kind = 'error';
    try {
      payload = encodeRpc(err);
    } catch (cloneErr) {
      // A thrown value that cannot be sent (a function, a Response…): the sending failure instead.
      payload = encodeRpc(new TypeError(cloneErr instanceof Error ? cloneErr.message : 'the RPC method threw a value that cannot be sent'));
    }
  }
  return new Response(payload, { headers: { [RPC_RESULT_HEADER]: kind, 'content-type': 'application/json' } });
}

/**
 * The method of a WorkerEntrypoint subclass named `name`: an own data property holding a function
 * on one of the class's prototypes below WorkerEntrypoint's (never Object.prototype's).
 */
function methodOf(target: unknown, name: string): (...args: unknown[]) => unknown {
  if (typeof target !== 'function' || !isEntrypointClass(target)) {
    throw new TypeError(`this app's default export is not a WorkerEntrypoint class, so it has no RPC method ${name}(); export default class extends WorkerEntrypoint { ${name}() { … } }`);
  }
  if (!RESERVED.has(name)) {
    for (let p = target.prototype as object | null; p !== null && !isEntrypointBase(p); p = ObjectGetPrototypeOf(p) as object | null) {
      const d = ReflectGetOwnPropertyDescriptor(p, name);
      if (d !== undefined) {
        if ('value' in d && typeof d.value === 'function') return d.value as (...args: unknown[]) => unknown;
        break;
      }
    }
  }
  throw new TypeError(`the WorkerEntrypoint has no RPC method ${name}()`);
}

function isEntrypointClass(c: { prototype?: unknown }): boolean {
  for (let p = c.prototype as object | null | undefined; p !== null && p !== undefined; p = ObjectGetPrototypeOf(p) as object | null) if (isEntrypointBase(p)) return true;
  return false;
}

function isEntrypointBase(proto: object): boolean {
  const ctor = ReflectGetOwnPropertyDescriptor(proto, 'constructor')?.value as object | undefined;
  return typeof ctor === 'function' && Object.hasOwn(ctor, ENTRYPOINT);
}

/** The message of NANO's JSON error body, or the start of whatever came. */
function nanoMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof m?.code === 'string' && typeof m.message === 'string') return `${m.code}: ${m.message}`;
  } catch {
    // not NANO's JSON
  }
  return text.slice(0, 200);
}
