// The `cloudflare:workers` module a project may import, as source text the build bundles into the
// app (it runs inside the app's isolate, with the app's own privileges: it holds nothing of the
// host). `WorkerEntrypoint` makes a class-based default export servable: the runtime calls
// `default.fetch(request, env, ctx)`, which for a class is the static `fetch` below, inherited by
// every subclass; it builds an instance with (ctx, env) and calls the instance's `fetch`. A
// service-binding RPC call builds an instance the same way and calls the named method
// (src/runtime-guest/serve/service-rpc.ts).
// `env` is the env of the latest request (the same frozen object every time), so it is empty
// until the first request arrives.

export const CLOUDFLARE_WORKERS_SOURCE = `
const holder = { env: undefined };
const remember = (env) => { if (holder.env === undefined && typeof env === 'object' && env !== null) holder.env = env; };

export const env = new Proxy(Object.create(null), {
  get: (_t, key) => (holder.env === undefined ? undefined : Reflect.get(holder.env, key)),
  has: (_t, key) => holder.env !== undefined && Reflect.has(holder.env, key),
  ownKeys: () => (holder.env === undefined ? [] : Reflect.ownKeys(holder.env)),
  getOwnPropertyDescriptor: (_t, key) => {
    if (holder.env === undefined) return undefined;
    const d = Reflect.getOwnPropertyDescriptor(holder.env, key);
    return d === undefined ? undefined : { ...d, configurable: true };
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
});

export class WorkerEntrypoint {
  /** How the runtime recognises this class (and its subclasses) as an RPC target. */
  static [Symbol.for('nano.WorkerEntrypoint')] = true;
  constructor(ctx, env) {
    remember(env);
    this.ctx = ctx;
    this.env = env;
  }
  static fetch(request, env, ctx) {
    remember(env);
    const instance = new this(ctx, env);
    if (typeof instance.fetch !== 'function') throw new TypeError('the WorkerEntrypoint class has no fetch() method');
    return instance.fetch(request);
  }
}

/** The default export of a module-syntax app also records the env for the \`env\` import. */
export function __nanoWrapHandler(handler) {
  if (handler === null || typeof handler !== 'object' || typeof handler.fetch !== 'function') return handler;
  const fetch = handler.fetch;
  return Object.assign(Object.create(handler), {
    fetch(request, env, ctx) {
      remember(env);
      return Reflect.apply(fetch, handler, [request, env, ctx]);
    },
  });
}

export class DurableObject {
  constructor() {
    throw new TypeError('Durable Objects are not available in NANO');
  }
}
export class WorkflowEntrypoint {
  constructor() {
    throw new TypeError('Workflows are not available in NANO');
  }
}
export class RpcTarget {}
`;
