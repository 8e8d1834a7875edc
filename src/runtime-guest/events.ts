// Event, CustomEvent and EventTarget (https://dom.spec.whatwg.org/#events), enough of the DOM
// event model for a server runtime: capture/once/passive/signal options and stopImmediatePropagation.
import { setToStringTag } from './primordials.js';
import { requiredArguments, toDOMString, isObject } from './webidl.js';

interface EventState {
  type: string;
  bubbles: boolean;
  cancelable: boolean;
  composed: boolean;
  defaultPrevented: boolean;
  inPassiveListener: boolean;
  stopImmediate: boolean;
  stopPropagation: boolean;
  dispatching: boolean;
  initialized: boolean;
  isTrusted: boolean;
  target: EventTarget | null;
  currentTarget: EventTarget | null;
  timeStamp: number;
}
const events = new WeakMap<object, EventState>();

function ev(self: unknown): EventState {
  const s = events.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

export class Event {
  static readonly NONE = 0;
  static readonly CAPTURING_PHASE = 1;
  static readonly AT_TARGET = 2;
  static readonly BUBBLING_PHASE = 3;

  constructor(type: unknown, init?: { bubbles?: boolean; cancelable?: boolean; composed?: boolean }) {
    requiredArguments(arguments.length, 1, "Failed to construct 'Event'");
    const opts = init ?? {};
    events.set(this, {
      type: toDOMString(type),
      bubbles: Boolean(opts.bubbles),
      cancelable: Boolean(opts.cancelable),
      composed: Boolean(opts.composed),
      defaultPrevented: false,
      inPassiveListener: false,
      stopImmediate: false,
      stopPropagation: false,
      dispatching: false,
      initialized: true,
      isTrusted: false,
      target: null,
      currentTarget: null,
      timeStamp: Date.now(),
    });
  }
  get type(): string { return ev(this).type; }
  get target(): EventTarget | null { return ev(this).target; }
  get srcElement(): EventTarget | null { return ev(this).target; }
  get currentTarget(): EventTarget | null { return ev(this).currentTarget; }
  composedPath(): EventTarget[] {
    const s = ev(this);
    return s.dispatching && s.currentTarget !== null ? [s.currentTarget] : [];
  }
  get eventPhase(): number {
    return ev(this).dispatching ? 2 : 0;
  }
  stopPropagation(): void { ev(this).stopPropagation = true; }
  get cancelBubble(): boolean { return ev(this).stopPropagation; }
  set cancelBubble(v: boolean) { if (v) ev(this).stopPropagation = true; }
  stopImmediatePropagation(): void {
    const s = ev(this);
    s.stopPropagation = true;
    s.stopImmediate = true;
  }
  get bubbles(): boolean { return ev(this).bubbles; }
  get cancelable(): boolean { return ev(this).cancelable; }
  get returnValue(): boolean { return !ev(this).defaultPrevented; }
  set returnValue(v: boolean) { if (!v) this.preventDefault(); }
  preventDefault(): void {
    const s = ev(this);
    if (s.cancelable && !s.inPassiveListener) s.defaultPrevented = true;
  }
  get defaultPrevented(): boolean { return ev(this).defaultPrevented; }
  get composed(): boolean { return ev(this).composed; }
  get isTrusted(): boolean { return ev(this).isTrusted; }
  get timeStamp(): number { return ev(this).timeStamp; }
  initEvent(type: unknown, bubbles = false, cancelable = false): void {
    requiredArguments(arguments.length, 1, "Failed to execute 'initEvent' on 'Event'");
    const s = ev(this);
    if (s.dispatching) return;
    s.type = toDOMString(type);
    s.bubbles = Boolean(bubbles);
    s.cancelable = Boolean(cancelable);
    s.stopPropagation = false;
    s.stopImmediate = false;
    s.defaultPrevented = false;
  }
}
for (const [k, v] of [['NONE', 0], ['CAPTURING_PHASE', 1], ['AT_TARGET', 2], ['BUBBLING_PHASE', 3]] as const) {
  Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
}
Object.defineProperty(Event.prototype, 'isTrusted', { enumerable: true });
setToStringTag(Event, 'Event');

const details = new WeakMap<object, unknown>();
export class CustomEvent<T = unknown> extends Event {
  constructor(type: unknown, init?: { bubbles?: boolean; cancelable?: boolean; composed?: boolean; detail?: T }) {
    requiredArguments(arguments.length, 1, "Failed to construct 'CustomEvent'");
    super(type, init);
    details.set(this, init?.detail ?? null);
  }
  get detail(): T {
    if (!details.has(this)) throw new TypeError('Illegal invocation');
    return details.get(this) as T;
  }
  initCustomEvent(type: unknown, bubbles = false, cancelable = false, detail: T | null = null): void {
    this.initEvent(type, bubbles, cancelable);
    details.set(this, detail);
  }
}
setToStringTag(CustomEvent, 'CustomEvent');

/** Marks an event as dispatched by the platform (isTrusted = true). Runtime-internal. */
export function markTrusted(event: Event): void {
  ev(event).isTrusted = true;
}

type Listener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };
interface Registration {
  callback: Listener;
  capture: boolean;
  once: boolean;
  passive: boolean;
  removed: boolean;
}
const targets = new WeakMap<object, Map<string, Registration[]>>();

function listeners(self: unknown): Map<string, Registration[]> {
  const m = targets.get(self as object);
  if (m === undefined) throw new TypeError('Illegal invocation');
  return m;
}

function flatten(options: unknown): { capture: boolean; once: boolean; passive: boolean; signal: AbortSignalLike | undefined } {
  if (!isObject(options)) return { capture: Boolean(options), once: false, passive: false, signal: undefined };
  const o = options as { capture?: unknown; once?: unknown; passive?: unknown; signal?: unknown };
  const signal = o.signal as AbortSignalLike | undefined;
  if (signal !== undefined && (signal === null || typeof signal.aborted !== 'boolean')) {
    throw new TypeError("Failed to read the 'signal' property: not an AbortSignal");
  }
  return { capture: Boolean(o.capture), once: Boolean(o.once), passive: Boolean(o.passive), signal };
}
interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: string, cb: () => void, opts?: unknown): void;
}

export class EventTarget {
  constructor() {
    targets.set(this, new Map());
  }
  addEventListener(type: unknown, callback: unknown, options?: unknown): void {
    requiredArguments(arguments.length, 2, "Failed to execute 'addEventListener' on 'EventTarget'");
    const map = listeners(this === undefined || this === null ? globalThis : this);
    const t = toDOMString(type);
    const { capture, once, passive, signal } = flatten(options);
    if (callback === null || callback === undefined) return;
    if (!isObject(callback)) throw new TypeError("Failed to execute 'addEventListener': The callback provided as parameter 2 is not an object.");
    if (signal?.aborted === true) return;
    let list = map.get(t);
    if (list === undefined) map.set(t, (list = []));
    if (list.some((r) => r.callback === callback && r.capture === capture)) return;
    const reg: Registration = { callback: callback as Listener, capture, once, passive, removed: false };
    list.push(reg);
    signal?.addEventListener('abort', () => this.removeEventListener(t, callback, { capture }));
  }
  removeEventListener(type: unknown, callback: unknown, options?: unknown): void {
    requiredArguments(arguments.length, 2, "Failed to execute 'removeEventListener' on 'EventTarget'");
    const map = listeners(this === undefined || this === null ? globalThis : this);
    const list = map.get(toDOMString(type));
    if (list === undefined) return;
    const capture = isObject(options) ? Boolean((options as { capture?: unknown }).capture) : Boolean(options);
    const i = list.findIndex((r) => r.callback === callback && r.capture === capture);
    if (i >= 0) {
      const [reg] = list.splice(i, 1);
      if (reg !== undefined) reg.removed = true;
    }
  }
  dispatchEvent(event: Event): boolean {
    requiredArguments(arguments.length, 1, "Failed to execute 'dispatchEvent' on 'EventTarget'");
    const self = this === undefined || this === null ? globalThis : this;
    const s = events.get(event);
    if (s === undefined) throw new TypeError("Failed to execute 'dispatchEvent': parameter 1 is not of type 'Event'.");
    if (s.dispatching || !s.initialized) throw new (globalThis as unknown as { DOMException: new (m: string, n: string) => Error }).DOMException('The event is already being dispatched.', 'InvalidStateError');
    s.isTrusted = false;
    return dispatch(self as EventTarget, event);
  }
}
setToStringTag(EventTarget, 'EventTarget');

/** Runs an event's listeners on one target (no tree: server targets have no parents). */
export function dispatch(target: EventTarget, event: Event): boolean {
  const s = ev(event);
  s.dispatching = true;
  s.target = target;
  s.currentTarget = target;
  const list = listeners(target).get(s.type);
  if (list !== undefined) {
    for (const reg of [...list]) {
      if (reg.removed) continue;
      if (reg.once) target.removeEventListener(s.type, reg.callback, { capture: reg.capture });
      if (reg.passive) s.inPassiveListener = true;
      try {
        const cb = reg.callback;
        if (typeof cb === 'function') Reflect.apply(cb, target, [event]);
        else Reflect.apply(cb.handleEvent, cb, [event]);
      } catch (err) {
        reportException(err);
      }
      s.inPassiveListener = false;
      if (s.stopImmediate) break;
    }
  }
  s.dispatching = false;
  s.currentTarget = null;
  s.stopPropagation = false;
  s.stopImmediate = false;
  return !s.defaultPrevented;
}

let reportHook: (err: unknown) => void = () => {};
/** The runtime's reportError sink; set once by install. */
export function setReportHook(fn: (err: unknown) => void): void {
  reportHook = fn;
}
export function reportException(err: unknown): void {
  reportHook(err);
}

/** Makes an object an EventTarget without running the constructor (for globalThis). */
export function initEventTarget(obj: object): void {
  targets.set(obj, new Map());
}
