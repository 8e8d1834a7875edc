// setTimeout/setInterval/clearTimeout/clearInterval and queueMicrotask. The guest keeps
// id → callback; the host runs the real timer and enters with Entry.timer (DESIGN.md "Timers").
import { hostSend } from './host.js';
import { Signal } from '../protocol/bridge.js';
import { reportException } from './events.js';

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

function clampDelay(delay: unknown): number {
  const n = Number(delay);
  return Number.isFinite(n) && n > 0 ? Math.min(Math.trunc(n), 2 ** 31 - 1) : 0;
}

function schedule(handler: unknown, delay: unknown, args: unknown[], repeat: boolean): number {
  if (typeof handler !== 'function') {
    // String handlers are not evaluated (no eval of timer strings), matching Workers.
    throw new TypeError('setTimeout/setInterval handler must be a function');
  }
  const fn = handler as (...a: unknown[]) => unknown;
  return setHostTimer(() => void Reflect.apply(fn, globalThis, args), clampDelay(delay), repeat);
}

export function setTimeout(handler: unknown, delay?: unknown, ...args: unknown[]): number {
  return schedule(handler, delay, args, false);
}
export function setInterval(handler: unknown, delay?: unknown, ...args: unknown[]): number {
  return schedule(handler, delay, args, true);
}
export function clearTimeout(id: unknown): void {
  const n = Number(id);
  if (timers.delete(n)) hostSend(Signal.timerClear, n);
}
export const clearInterval = clearTimeout;

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

const nativeQueueMicrotask = (cb: () => void): void => void Promise.resolve().then(cb);
export function queueMicrotask(callback: unknown): void {
  if (typeof callback !== 'function') {
    throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
  }
  const fn = callback as () => void;
  nativeQueueMicrotask(() => {
    try {
      fn();
    } catch (err) {
      reportException(err);
    }
  });
}
