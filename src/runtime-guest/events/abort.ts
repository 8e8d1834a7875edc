// AbortController and AbortSignal (https://dom.spec.whatwg.org/#aborting-ongoing-activities),
// including AbortSignal.abort/timeout/any, throwIfAborted and the onabort handler.
import { DOMException } from '../core/dom-exception.js';
import { Event, EventTarget, dispatch, getEventHandler, hasListeners, markTrusted, setEventHandler, setSignalHooks } from './events.js';
import { WeakRefCtor } from '../core/primordials.js';
import { defineInterface, illegalConstructor, isObject, requiredArguments, toSequence } from '../core/webidl.js';
import { setHostTimer } from '../html/timers.js';

interface SignalState {
  aborted: boolean;
  reason: unknown;
  /** https://dom.spec.whatwg.org/#abortsignal-abort-algorithms */
  algorithms: Set<() => void>;
  dependent: boolean;
  /** For a dependent signal: the signals it follows (weakly, as the spec's weak set). */
  sources: WeakRef<AbortSignal>[];
  /** For a source: signals following it (weakly), and those of them kept alive (see keepAlive). */
  dependents: WeakRef<AbortSignal>[];
  strong: Set<AbortSignal>;
  sweepAt: number;
}

let constructing = false;
let stateOf: (value: unknown) => SignalState | undefined;

function st(self: unknown): SignalState {
  const s = stateOf(self);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

export class AbortSignal extends EventTarget {
  readonly #s: SignalState = { aborted: false, reason: undefined, algorithms: new Set(), dependent: false, sources: [], dependents: [], strong: new Set(), sweepAt: 16 };

  constructor() {
    if (!constructing) illegalConstructor();
    super();
  }
  static {
    stateOf = (value) => (typeof value === 'object' && value !== null && #s in value ? (value as AbortSignal).#s : undefined);
  }

  /** https://dom.spec.whatwg.org/#dom-abortsignal-abort */
  static abort(reason: unknown = undefined): AbortSignal {
    const signal = newSignal();
    const s = st(signal);
    s.aborted = true;
    s.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    return signal;
  }

  /** https://dom.spec.whatwg.org/#dom-abortsignal-timeout */
  static timeout(milliseconds: unknown): AbortSignal {
    requiredArguments(arguments.length, 1, "Failed to execute 'timeout' on 'AbortSignal'");
    const ms = enforceUnsignedLongLong(milliseconds, "Failed to execute 'timeout' on 'AbortSignal'");
    const signal = newSignal();
    setHostTimer(() => signalAbort(signal, new DOMException('The operation timed out.', 'TimeoutError')), ms, false);
    return signal;
  }

  /** https://dom.spec.whatwg.org/#dom-abortsignal-any */
  static any(signals: unknown): AbortSignal {
    const context = "Failed to execute 'any' on 'AbortSignal'";
    requiredArguments(arguments.length, 1, context);
    const list = toSequence(signals, context).map((s) => {
      if (stateOf(s) === undefined) throw new TypeError(`${context}: Failed to convert value to 'AbortSignal'.`);
      return s as AbortSignal;
    });
    return createDependentSignal(list);
  }

  get aborted(): boolean {
    return st(this).aborted;
  }
  get reason(): unknown {
    return st(this).reason;
  }
  /** https://dom.spec.whatwg.org/#dom-abortsignal-throwifaborted */
  throwIfAborted(): void {
    const s = st(this);
    if (s.aborted) throw s.reason;
  }
  get onabort(): unknown {
    st(this);
    return getEventHandler(this, 'abort');
  }
  set onabort(value: unknown) {
    st(this);
    setEventHandler(this, 'abort', value);
  }
}
defineInterface(AbortSignal, 'AbortSignal');

/** [EnforceRange] unsigned long long. */
function enforceUnsignedLongLong(value: unknown, context: string): number {
  if (typeof value === 'symbol' || typeof value === 'bigint') throw new TypeError(`${context}: Cannot convert value to a number.`);
  const n = Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`${context}: Value is not of type 'unsigned long long'.`);
  const t = Math.trunc(n);
  if (t < 0 || t > Number.MAX_SAFE_INTEGER) throw new TypeError(`${context}: Value is outside the 'unsigned long long' value range.`);
  return t;
}

export function newSignal(): AbortSignal {
  constructing = true;
  try {
    return new AbortSignal();
  } finally {
    constructing = false;
  }
}

/** https://dom.spec.whatwg.org/#create-a-dependent-abort-signal */
function createDependentSignal(signals: AbortSignal[]): AbortSignal {
  const result = newSignal();
  const rs = st(result);
  for (const signal of signals) {
    const s = st(signal);
    if (s.aborted) {
      rs.aborted = true;
      rs.reason = s.reason;
      return result;
    }
  }
  rs.dependent = true;
  const seen = new Set<AbortSignal>();
  for (const signal of signals) {
    const s = st(signal);
    const sources = s.dependent ? s.sources.map((w) => w.deref()).filter((x): x is AbortSignal => x !== undefined) : [signal];
    for (const source of sources) {
      if (seen.has(source)) continue;
      seen.add(source);
      rs.sources.push(new WeakRefCtor(source));
      const ss = st(source);
      ss.dependents.push(new WeakRefCtor(result));
      if (ss.dependents.length > ss.sweepAt) sweepDependents(ss);
    }
  }
  return result;
}

/**
 * A dependent signal must not be collected while it can still abort and someone would notice
 * (it has 'abort' listeners or abort algorithms): its sources then hold it strongly.
 */
function keepAlive(signal: AbortSignal): void {
  const s = st(signal);
  if (!s.dependent || s.aborted) return;
  for (const w of s.sources) {
    const source = w.deref();
    if (source === undefined) continue;
    const ss = st(source);
    if (ss.aborted || ss.strong.has(signal)) continue;
    ss.strong.add(signal);
    if (ss.strong.size > ss.sweepAt) sweepDependents(ss);
  }
}

/** Drops collected dependents and releases those nobody listens to any more (amortized). */
function sweepDependents(ss: SignalState): void {
  ss.dependents = ss.dependents.filter((w) => w.deref() !== undefined);
  for (const d of ss.strong) {
    const ds = st(d);
    if (ds.aborted || (ds.algorithms.size === 0 && !hasListeners(d, 'abort'))) ss.strong.delete(d);
  }
  ss.sweepAt = Math.max(16, 2 * Math.max(ss.dependents.length, ss.strong.size));
}

/** Runtime-internal: run `fn` when the signal aborts (spec "add an abort algorithm"). */
export function addAbortAlgorithm(signal: AbortSignal, fn: () => void): () => void {
  const s = st(signal);
  if (s.aborted) return () => {};
  s.algorithms.add(fn);
  keepAlive(signal);
  return () => void s.algorithms.delete(fn);
}

export function isAbortSignal(value: unknown): value is AbortSignal {
  return stateOf(value) !== undefined;
}

/** https://dom.spec.whatwg.org/#abortsignal-signal-abort */
export function signalAbort(signal: AbortSignal, reason: unknown = undefined): void {
  const s = st(signal);
  if (s.aborted) return;
  s.aborted = true;
  s.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
  const toAbort: AbortSignal[] = [];
  for (const w of s.dependents) {
    const d = w.deref();
    if (d === undefined) continue;
    const ds = st(d);
    if (ds.aborted) continue;
    ds.aborted = true;
    ds.reason = s.reason;
    toAbort.push(d);
  }
  s.dependents = [];
  s.strong.clear();
  runAbortSteps(signal);
  for (const d of toAbort) runAbortSteps(d);
}

/** https://dom.spec.whatwg.org/#run-the-abort-steps */
function runAbortSteps(signal: AbortSignal): void {
  const s = st(signal);
  const algorithms = [...s.algorithms];
  s.algorithms.clear();
  for (const fn of algorithms) fn();
  const event = new Event('abort');
  markTrusted(event);
  dispatch(signal, event);
}

setSignalHooks({
  isSignal: isAbortSignal,
  aborted: (signal) => st(signal).aborted,
  addAlgorithm: (signal, fn) => addAbortAlgorithm(signal as AbortSignal, fn),
  listenerAdded: (signal) => keepAlive(signal as AbortSignal),
});

let controllerSignal: (value: unknown) => AbortSignal;

export class AbortController {
  readonly #signal: AbortSignal = newSignal();
  static {
    controllerSignal = (value) => {
      if (!isObject(value) || !(#signal in value)) throw new TypeError('Illegal invocation');
      return (value as AbortController).#signal;
    };
  }
  /** [SameObject] */
  get signal(): AbortSignal {
    return controllerSignal(this);
  }
  /** https://dom.spec.whatwg.org/#dom-abortcontroller-abort */
  abort(reason: unknown = undefined): void {
    signalAbort(controllerSignal(this), reason);
  }
}
defineInterface(AbortController, 'AbortController');
