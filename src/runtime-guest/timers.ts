// setTimeout/setInterval/clearTimeout/clearInterval and queueMicrotask
// (https://html.spec.whatwg.org/multipage/timers-and-user-prompts.html#timers). The guest keeps
// id → callback; the host runs the real timer and enters with Entry.timer (DESIGN.md "Timers").
import { hostSend } from './host.js';
import { Signal } from '../protocol/bridge.js';
import { reportException } from './report.js';
import { PromisePrototypeThen, PromiseResolve, ReflectApply } from './primordials.js';
import { requiredArguments } from './webidl.js';

interface Timer {
  fn: () => void;
  repeat: boolean;
}
const timers = new Map<number, Timer>();
let nextId = 1;

/** Runtime-internal timer (not visible to apps' clearTimeout ids, but shares the id space). */
export function setHostTimer(fn: () => void, delay: number, repeat: boolean): number {
  const id = nextId++;
  timers.set(id, { fn, repeat });
  hostSend(Signal.timerStart, id, delay, repeat);
  return id;
}

/** `long timeout`: ToInt32 (so 2^32 + 5 is 5), then negative values become 0. */
function toTimeout(value: unknown): number {
  if (typeof value === 'symbol' || typeof value === 'bigint') throw new TypeError('Cannot convert value to a number');
  const n = Number(value) | 0;
  return n < 0 ? 0 : n;
}

function schedule(name: string, handler: unknown, timeout: unknown, args: unknown[], repeat: boolean): number {
  if (typeof handler !== 'function') {
    // A string handler would be compiled as code; like Workers, NANO does not evaluate strings.
    throw new TypeError(`Failed to execute '${name}': parameter 1 is not a function (string handlers are not supported).`);
  }
  const fn = handler as (...a: unknown[]) => unknown;
  return setHostTimer(() => void ReflectApply(fn, globalThis, args), toTimeout(timeout), repeat);
}

export function setTimeout(handler: unknown, timeout: unknown = 0, ...args: unknown[]): number {
  requiredArguments(arguments.length, 1, "Failed to execute 'setTimeout'");
  return schedule('setTimeout', handler, timeout, args, false);
}
export function setInterval(handler: unknown, timeout: unknown = 0, ...args: unknown[]): number {
  requiredArguments(arguments.length, 1, "Failed to execute 'setInterval'");
  return schedule('setInterval', handler, timeout, args, true);
}
/** `clearTimeout(optional long id = 0)`: unknown ids, and ids of the other kind, are ignored. */
export function clearTimeout(id: unknown = 0): void {
  const n = toLongId(id);
  if (timers.delete(n)) hostSend(Signal.timerClear, n);
}
export function clearInterval(id: unknown = 0): void {
  clearTimeout(id);
}

function toLongId(value: unknown): number {
  if (typeof value === 'symbol' || typeof value === 'bigint') return 0;
  return Number(value) | 0;
}

/** Entry.timer */
export function fireTimer(id: number): void {
  const t = timers.get(id);
  if (t === undefined) return;
  if (!t.repeat) timers.delete(id);
  try {
    t.fn();
  } catch (err) {
    reportException(err);
  }
}

/** https://html.spec.whatwg.org/multipage/timers-and-user-prompts.html#dom-queuemicrotask */
export function queueMicrotask(callback: unknown): void {
  requiredArguments(arguments.length, 1, "Failed to execute 'queueMicrotask'");
  if (typeof callback !== 'function') {
    throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
  }
  const fn = callback as () => void;
  PromisePrototypeThen(PromiseResolve(), () => {
    try {
      ReflectApply(fn, undefined, []);
    } catch (err) {
      reportException(err);
    }
  });
}
