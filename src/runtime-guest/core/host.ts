// The guest's only door to the host: binds the two host callbacks at boot, before any app code
// runs, and offers typed helpers for synchronous calls, signals and async ops completed by the host.
import { Signal, type GuestSignal } from '../../protocol/bridge.js';
import type { CallName, OpName } from '../../protocol/host-api.js';

type CallFn = (name: string, ...args: unknown[]) => unknown;
type SendFn = (name: string, ...args: unknown[]) => void;

const unbound = (): never => {
  throw new TypeError('NANO guest runtime: the host bridge is not bound yet');
};
let call: CallFn = unbound;
let send: SendFn = unbound;

/**
 * Takes the two host callbacks off the global, before any app code runs (at boot, after the
 * runtime's top level ran: in a startup snapshot that top level ran without a host).
 */
export function bindHost(): void {
  const g = globalThis as Record<string, unknown>;
  const c = g.__nano_call;
  const s = g.__nano_send;
  delete g.__nano_call;
  delete g.__nano_send;
  if (typeof c !== 'function' || typeof s !== 'function') {
    throw new TypeError('NANO guest runtime started without its host bridge');
  }
  call = c as CallFn;
  send = s as SendFn;
}

/** Synchronous host call from the written-down table (src/host-calls/README.md). */
export function hostCall<T>(name: CallName, ...args: unknown[]): T {
  return call(name, ...args) as T;
}

/**
 * The request the current isolate turn works for. Set at every entry; microtasks of a turn run
 * before the next entry, so everything a turn starts (timers, ops) inherits the right origin.
 */
let currentOrigin = 0;
export function setOrigin(origin: number): void {
  currentOrigin = origin;
}

/** Fire-and-forget message to the host, tagged with the current origin. */
export function hostSend(name: GuestSignal, ...args: unknown[]): void {
  send(name, currentOrigin, ...args);
}

interface Pending {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  mapError: ((message: string, name: string) => unknown) | undefined;
}
const pendingOps = new Map<number, Pending>();
let nextOpId = 1;

/**
 * Starts an async host op; the host completes it by entering with `Entry.complete`. Host errors
 * arrive as [name, message] and become a clean web error here (no host stacks or paths).
 */
export function hostOp<T>(name: OpName, args: unknown[], mapError?: (message: string, name: string) => unknown): Promise<T> {
  const id = nextOpId++;
  return new Promise<T>((resolve, reject) => {
    pendingOps.set(id, { resolve: resolve as (v: unknown) => void, reject, mapError });
    send(Signal.op, currentOrigin, id, name, args);
  });
}

/** Entry.complete: settles the op. */
export function completeOp(id: number, result: unknown): void {
  const op = pendingOps.get(id);
  if (op === undefined) return;
  pendingOps.delete(id);
  const [ok, value] = result as [boolean, unknown];
  if (ok) {
    op.resolve(value);
  } else {
    const [errName, message] = value as [string, string];
    op.reject(op.mapError !== undefined ? op.mapError(message, errName) : makeError(errName, message));
  }
}

function makeError(name: string, message: string): Error {
  if (name === 'DOMException' || name.endsWith('Error') === false) {
    const DOMEx = (globalThis as unknown as { DOMException?: new (m: string, n: string) => Error }).DOMException;
    if (DOMEx !== undefined) return new DOMEx(message, name === 'DOMException' ? 'OperationError' : name);
  }
  if (name === 'RangeError') return new RangeError(message);
  return new TypeError(message);
}
