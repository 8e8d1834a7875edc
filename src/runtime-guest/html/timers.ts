// setTimeout/setInterval/clearTimeout/clearInterval and queueMicrotask
// (https://html.spec.whatwg.org/multipage/timers-and-user-prompts.html#timers). The guest keeps
// id → callback; the host runs the real timer and enters with Entry.timer.
import { hostSend } from '../core/host.js';
import { MAX_LIVE_TIMERS, Signal, TIMER_CLAMP_MS, TIMER_NESTING_LEVEL } from '../../protocol/bridge.js';
import { reportException } from '../core/report.js';
import { ArrayIsArray, PromisePrototypeThen, PromiseResolve, ReflectApply } from '../core/primordials.js';
import { requiredArguments } from '../core/webidl.js';

interface Timer {
  fn: () => void;
  repeat: boolean;
  /** The timer nesting level of its task (HTML "timer initialization steps"). */
  nesting: number;
}
const timers = new Map<number, Timer>();
let nextId = 1;
/** Nesting level of the timer task running now; 0 outside timer callbacks. */
let currentNesting = 0;

/**
 * Runtime-internal timer (not visible to apps' clearTimeout ids, but shares the id space). A timer
 * set from a timer callback nested deeper than TIMER_NESTING_LEVEL waits at least TIMER_CLAMP_MS,
 * as in browsers (the host clamps an interval's own later firings the same way).
 */
export function setHostTimer(fn: () => void, delay: number, repeat: boolean): number {
  if (timers.size >= MAX_LIVE_TIMERS) throw new RangeError(`Too many live timers in this app (limit ${MAX_LIVE_TIMERS}); clear timers that are no longer needed.`);
  const id = nextId++;
  const nesting = currentNesting + 1;
  timers.set(id, { fn, repeat, nesting });
  hostSend(Signal.timerStart, id, nesting > TIMER_NESTING_LEVEL && delay < TIMER_CLAMP_MS ? TIMER_CLAMP_MS : delay, repeat);
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
  currentNesting = t.nesting;
  try {
    t.fn();
  } catch (err) {
    reportException(err);
  } finally {
    currentNesting = 0;
  }
}

/**
 * Entry.timer with a list: timers that fell due together. Each runs as its own task: the
 * microtasks a callback queued run before the next callback (the loop awaits between them, and
 * the entry ends only when the microtask queue is empty).
 */
export function fireTimers(ids: unknown): void {
  if (!ArrayIsArray(ids)) return;
  const list = ids as unknown[];
  let i = 0;
  const next = (): void => {
    while (i < list.length) {
      const id = list[i++];
      if (typeof id !== 'number') continue;
      fireTimer(id);
      PromisePrototypeThen(PromiseResolve(), next);
      return;
    }
  };
  next();
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
