// AbortController and AbortSignal (https://dom.spec.whatwg.org/#aborting-ongoing-activities),
// including AbortSignal.abort/timeout/any and throwIfAborted.
import { DOMException } from './dom-exception.js';
import { Event, EventTarget, dispatch, markTrusted } from './events.js';
import { setToStringTag } from './primordials.js';
import { illegalConstructor, requiredArguments } from './webidl.js';
import { setHostTimer } from './timers.js';

interface SignalState {
  aborted: boolean;
  reason: unknown;
  algorithms: Set<() => void>;
  /** For AbortSignal.any: the signals this one follows. */
  dependent: boolean;
  sources: WeakRef<AbortSignal>[];
  dependents: WeakRef<AbortSignal>[];
  onabort: ((ev: Event) => unknown) | null;
}
const signals = new WeakMap<object, SignalState>();
let constructing = false;

function st(self: unknown): SignalState {
  const s = signals.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

export class AbortSignal extends EventTarget {
  constructor() {
    if (!constructing) illegalConstructor();
    super();
    signals.set(this, { aborted: false, reason: undefined, algorithms: new Set(), dependent: false, sources: [], dependents: [], onabort: null });
  }
  static abort(reason?: unknown): AbortSignal {
    const signal = newSignal();
    const s = st(signal);
    s.aborted = true;
    s.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    return signal;
  }
  static timeout(ms: unknown): AbortSignal {
    requiredArguments(arguments.length, 1, "Failed to execute 'timeout' on 'AbortSignal'");
    const n = Number(ms);
    if (!Number.isFinite(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) {
      throw new TypeError("Failed to execute 'timeout' on 'AbortSignal': Value is outside the 'unsigned long long' value range.");
    }
    const signal = newSignal();
    // The timer must not keep a request alive (unref semantics on the host side).
    setHostTimer(() => signalAbort(signal, new DOMException('The operation timed out.', 'TimeoutError')), Math.trunc(n), false);
    return signal;
  }
  static any(signalsIn: Iterable<AbortSignal>): AbortSignal {
    requiredArguments(arguments.length, 1, "Failed to execute 'any' on 'AbortSignal'");
    const list = [...signalsIn];
    for (const s of list) st(s);
    const result = newSignal();
    const rs = st(result);
    for (const s of list) {
      if (st(s).aborted) {
        rs.aborted = true;
        rs.reason = st(s).reason;
        return result;
      }
    }
    rs.dependent = true;
    for (const s of list) {
      const ss = st(s);
      const sources = ss.dependent ? ss.sources.map((w) => w.deref()).filter((x): x is AbortSignal => x !== undefined) : [s];
      for (const src of sources) {
        if (rs.sources.some((w) => w.deref() === src)) continue;
        rs.sources.push(new WeakRef(src));
        st(src).dependents.push(new WeakRef(result));
        // Keep the dependent alive while a source can still abort it.
        st(src).algorithms.add(() => void result);
      }
    }
    return result;
  }
  get aborted(): boolean {
    return st(this).aborted;
  }
  get reason(): unknown {
    return st(this).reason;
  }
  throwIfAborted(): void {
    const s = st(this);
    if (s.aborted) throw s.reason;
  }
  get onabort(): ((ev: Event) => unknown) | null {
    return st(this).onabort;
  }
  set onabort(fn: ((ev: Event) => unknown) | null) {
    const s = st(this);
    if (s.onabort !== null) this.removeEventListener('abort', s.onabort);
    s.onabort = typeof fn === 'function' ? fn : null;
    if (s.onabort !== null) this.addEventListener('abort', s.onabort);
  }
}
setToStringTag(AbortSignal, 'AbortSignal');

export function newSignal(): AbortSignal {
  constructing = true;
  try {
    return new AbortSignal();
  } finally {
    constructing = false;
  }
}

/** Runtime-internal: run `fn` when the signal aborts (spec "add an abort algorithm"). */
export function addAbortAlgorithm(signal: AbortSignal, fn: () => void): () => void {
  const s = st(signal);
  s.algorithms.add(fn);
  return () => s.algorithms.delete(fn);
}

export function isAbortSignal(value: unknown): value is AbortSignal {
  return signals.has(value as object);
}

/** https://dom.spec.whatwg.org/#abortsignal-signal-abort */
export function signalAbort(signal: AbortSignal, reason?: unknown): void {
  const s = st(signal);
  if (s.aborted) return;
  s.aborted = true;
  s.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
  const toAbort: AbortSignal[] = [];
  for (const w of s.dependents) {
    const d = w.deref();
    if (d !== undefined && !st(d).aborted) {
      st(d).aborted = true;
      st(d).reason = s.reason;
      toAbort.push(d);
    }
  }
  runAbortSteps(signal);
  for (const d of toAbort) runAbortSteps(d);
}

function runAbortSteps(signal: AbortSignal): void {
  const s = st(signal);
  for (const fn of [...s.algorithms]) fn();
  s.algorithms.clear();
  const event = new Event('abort');
  markTrusted(event);
  dispatch(signal, event);
}

const controllers = new WeakMap<object, AbortSignal>();
export class AbortController {
  constructor() {
    controllers.set(this, newSignal());
  }
  get signal(): AbortSignal {
    const s = controllers.get(this);
    if (s === undefined) throw new TypeError('Illegal invocation');
    return s;
  }
  abort(reason?: unknown): void {
    signalAbort(this.signal, reason);
  }
}
setToStringTag(AbortController, 'AbortController');
