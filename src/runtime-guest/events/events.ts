// Event, CustomEvent, ErrorEvent and EventTarget (https://dom.spec.whatwg.org/#events): the DOM
// event model for targets without a tree (a server has no DOM), with capture/once/passive/signal
// listener options, event handler attributes (`onabort`) and the spec's dispatch steps.
import { DOMException } from '../core/dom-exception.js';
import { now } from '../core/clock.js';
import { ObjectDefineProperty, ReflectApply } from '../core/primordials.js';
import { defineInterface, isObject, requiredArguments, toDictionary, toDOMString, toUnsignedLong, toUSVString } from '../core/webidl.js';
import { reportException } from '../core/report.js';

const NONE = 0;
const CAPTURING_PHASE = 1;
const AT_TARGET = 2;
const BUBBLING_PHASE = 3;
const EVENT_CONSTANTS = { NONE, CAPTURING_PHASE, AT_TARGET, BUBBLING_PHASE } as const;

/** Internal access to an Event's state, for dispatch (set up in Event's static block). */
interface EventInternals {
  isEvent(value: unknown): boolean;
  state(event: Event): EventState;
}
interface EventState {
  type: string;
  bubbles: boolean;
  cancelable: boolean;
  composed: boolean;
  canceled: boolean;
  inPassiveListener: boolean;
  stopPropagation: boolean;
  stopImmediate: boolean;
  dispatching: boolean;
  initialized: boolean;
  isTrusted: boolean;
  target: EventTarget | null;
  currentTarget: EventTarget | null;
  phase: number;
  timeStamp: number;
}
let internals: EventInternals;

function st(self: unknown): EventState {
  if (!internals.isEvent(self)) throw new TypeError('Illegal invocation');
  return internals.state(self as Event);
}

/** [LegacyUnforgeable] isTrusted: one getter function shared by the own property of every event. */
const isTrustedGetter = {
  get isTrusted(): boolean {
    return st(this).isTrusted;
  },
};
const isTrustedDescriptor: PropertyDescriptor = {
  get: Object.getOwnPropertyDescriptor(isTrustedGetter, 'isTrusted')?.get as () => boolean,
  enumerable: true,
  configurable: false,
};

export class Event {
  readonly #s: EventState;

  /** https://dom.spec.whatwg.org/#dom-event-event */
  constructor(type: unknown, eventInitDict: unknown = undefined) {
    requiredArguments(arguments.length, 1, `Failed to construct '${new.target.name}'`);
    const t = toDOMString(type);
    const init = toDictionary(eventInitDict, `Failed to construct '${new.target.name}'`);
    const bubbles = Boolean(init.bubbles);
    const cancelable = Boolean(init.cancelable);
    const composed = Boolean(init.composed);
    this.#s = {
      type: t,
      bubbles,
      cancelable,
      composed,
      canceled: false,
      inPassiveListener: false,
      stopPropagation: false,
      stopImmediate: false,
      dispatching: false,
      initialized: true,
      isTrusted: false,
      target: null,
      currentTarget: null,
      phase: NONE,
      timeStamp: now(),
    };
    ObjectDefineProperty(this, 'isTrusted', isTrustedDescriptor);
  }
  static {
    internals = {
      isEvent: (value) => typeof value === 'object' && value !== null && #s in value,
      state: (event) => event.#s,
    };
  }
  declare readonly isTrusted: boolean;

  get type(): string { return st(this).type; }
  get target(): EventTarget | null { return st(this).target; }
  get srcElement(): EventTarget | null { return st(this).target; }
  get currentTarget(): EventTarget | null { return st(this).currentTarget; }
  composedPath(): EventTarget[] {
    const s = st(this);
    return s.dispatching && s.currentTarget !== null ? [s.currentTarget] : [];
  }
  get eventPhase(): number { return st(this).phase; }
  stopPropagation(): void { st(this).stopPropagation = true; }
  get cancelBubble(): boolean { return st(this).stopPropagation; }
  set cancelBubble(value: unknown) {
    if (value) st(this).stopPropagation = true;
  }
  stopImmediatePropagation(): void {
    const s = st(this);
    s.stopPropagation = true;
    s.stopImmediate = true;
  }
  get bubbles(): boolean { return st(this).bubbles; }
  get cancelable(): boolean { return st(this).cancelable; }
  get returnValue(): boolean { return !st(this).canceled; }
  set returnValue(value: unknown) {
    if (!value) setCanceled(st(this));
  }
  preventDefault(): void { setCanceled(st(this)); }
  get defaultPrevented(): boolean { return st(this).canceled; }
  get composed(): boolean { return st(this).composed; }
  get timeStamp(): number { return st(this).timeStamp; }
  /** https://dom.spec.whatwg.org/#dom-event-initevent */
  initEvent(type: unknown, bubbles: unknown = false, cancelable: unknown = false): void {
    const s = st(this);
    requiredArguments(arguments.length, 1, "Failed to execute 'initEvent' on 'Event'");
    if (s.dispatching) return;
    s.initialized = true;
    s.stopPropagation = false;
    s.stopImmediate = false;
    s.canceled = false;
    s.isTrusted = false;
    s.target = null;
    s.type = toDOMString(type);
    s.bubbles = Boolean(bubbles);
    s.cancelable = Boolean(cancelable);
  }
}
defineInterface(Event, 'Event', { constants: EVENT_CONSTANTS });

/** https://dom.spec.whatwg.org/#set-the-canceled-flag */
function setCanceled(s: EventState): void {
  if (s.cancelable && !s.inPassiveListener) s.canceled = true;
}

export class CustomEvent extends Event {
  #detail: unknown;
  constructor(type: unknown, eventInitDict: unknown = undefined) {
    requiredArguments(arguments.length, 1, "Failed to construct 'CustomEvent'");
    super(type, eventInitDict);
    const detail = toDictionary(eventInitDict, "Failed to construct 'CustomEvent'").detail;
    this.#detail = detail === undefined ? null : detail;
  }
  get detail(): unknown {
    if (!(#detail in this)) throw new TypeError('Illegal invocation');
    return this.#detail;
  }
  initCustomEvent(type: unknown, bubbles: unknown = false, cancelable: unknown = false, detail: unknown = null): void {
    if (!(#detail in this)) throw new TypeError('Illegal invocation');
    requiredArguments(arguments.length, 1, "Failed to execute 'initCustomEvent' on 'CustomEvent'");
    if (st(this).dispatching) return;
    this.initEvent(type, bubbles, cancelable);
    this.#detail = detail;
  }
}
defineInterface(CustomEvent, 'CustomEvent');

let errorEventBrand: (value: unknown) => boolean;
function errorEventCheck(self: unknown): void {
  if (!errorEventBrand(self)) throw new TypeError('Illegal invocation');
}

/** ErrorEvent (https://html.spec.whatwg.org/multipage/webappapis.html#errorevent). */
export class ErrorEvent extends Event {
  readonly #message: string;
  readonly #filename: string;
  readonly #lineno: number;
  readonly #colno: number;
  readonly #error: unknown;
  constructor(type: unknown, eventInitDict: unknown = undefined) {
    requiredArguments(arguments.length, 1, "Failed to construct 'ErrorEvent'");
    super(type, eventInitDict);
    const init = toDictionary(eventInitDict, "Failed to construct 'ErrorEvent'");
    // ErrorEventInit members in WebIDL order: colno, error, filename, lineno, message.
    this.#colno = init.colno === undefined ? 0 : toUnsignedLong(init.colno);
    this.#error = init.error;
    this.#filename = init.filename === undefined ? '' : toUSVString(init.filename);
    this.#lineno = init.lineno === undefined ? 0 : toUnsignedLong(init.lineno);
    this.#message = init.message === undefined ? '' : toDOMString(init.message);
  }
  static {
    errorEventBrand = (value) => typeof value === 'object' && value !== null && #message in value;
  }
  get message(): string { errorEventCheck(this); return this.#message; }
  get filename(): string { errorEventCheck(this); return this.#filename; }
  get lineno(): number { errorEventCheck(this); return this.#lineno; }
  get colno(): number { errorEventCheck(this); return this.#colno; }
  get error(): unknown { errorEventCheck(this); return this.#error; }
}
defineInterface(ErrorEvent, 'ErrorEvent');

/** Marks an event as dispatched by the platform (isTrusted = true). Runtime-internal. */
export function markTrusted(event: Event): void {
  st(event).isTrusted = true;
}

// --- EventTarget ------------------------------------------------------------------------------

type Listener = ((event: Event) => unknown) | { handleEvent?: unknown };
interface Registration {
  readonly type: string;
  readonly callback: Listener;
  readonly capture: boolean;
  readonly once: boolean;
  readonly passive: boolean;
  removed: boolean;
  /** Undoes the signal's abort algorithm when the listener goes away first. */
  unsubscribe: (() => void) | null;
}

/**
 * Listener lists per target. A WeakMap rather than a private field: the global object is an
 * EventTarget too but is not created by this constructor, so it could not carry the field.
 */
const targets = new WeakMap<object, Map<string, Registration[]>>();

function listeners(self: unknown): Map<string, Registration[]> {
  const m = targets.get(self as object);
  if (m === undefined) throw new TypeError('Illegal invocation');
  return m;
}

/** What events.ts needs of AbortSignal (abort.ts imports this module, so it registers these). */
export interface SignalHooks {
  isSignal(value: unknown): boolean;
  aborted(signal: unknown): boolean;
  addAlgorithm(signal: unknown, fn: () => void): () => void;
  /** An 'abort' listener was added to a signal: AbortSignal.any results must then stay alive. */
  listenerAdded(signal: unknown): void;
}
let signalHooks: SignalHooks | undefined;
export function setSignalHooks(hooks: SignalHooks): void {
  signalHooks = hooks;
}

/** https://dom.spec.whatwg.org/#concept-flatten-options and "flatten more". */
function flattenMore(options: unknown): { capture: boolean; once: boolean; passive: boolean; signal: unknown } {
  if (!isObject(options)) return { capture: Boolean(options), once: false, passive: false, signal: undefined };
  const o = options as Record<string, unknown>;
  const capture = Boolean(o.capture);
  const once = Boolean(o.once);
  const passive = Boolean(o.passive);
  const signal = o.signal;
  if (signal !== undefined && signalHooks?.isSignal(signal) !== true) {
    throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': Failed to read the 'signal' property from 'AddEventListenerOptions': The provided value is not of type 'AbortSignal'.");
  }
  return { capture, once, passive, signal };
}

/** WebIDL: operations of the global object's interfaces run on the global when `this` is nullish. */
function targetOf(self: unknown): object {
  return self === undefined || self === null ? globalThis : (self as object);
}

export class EventTarget {
  constructor() {
    targets.set(this, new Map());
  }
  /** https://dom.spec.whatwg.org/#dom-eventtarget-addeventlistener */
  addEventListener(type: unknown, callback: unknown, options: unknown = undefined): void {
    const self = targetOf(this);
    const map = listeners(self);
    requiredArguments(arguments.length, 2, "Failed to execute 'addEventListener' on 'EventTarget'");
    const t = toDOMString(type);
    if (callback !== null && callback !== undefined && !isObject(callback)) {
      throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': The callback provided as parameter 2 is not an object.");
    }
    const { capture, once, passive, signal } = flattenMore(options);
    addListener(self, map, t, (callback ?? null) as Listener | null, capture, once, passive, signal);
  }
  /** https://dom.spec.whatwg.org/#dom-eventtarget-removeeventlistener */
  removeEventListener(type: unknown, callback: unknown, options: unknown = undefined): void {
    const self = targetOf(this);
    const map = listeners(self);
    requiredArguments(arguments.length, 2, "Failed to execute 'removeEventListener' on 'EventTarget'");
    const t = toDOMString(type);
    if (callback !== null && callback !== undefined && !isObject(callback)) {
      throw new TypeError("Failed to execute 'removeEventListener' on 'EventTarget': The callback provided as parameter 2 is not an object.");
    }
    const capture = isObject(options) ? Boolean((options as { capture?: unknown }).capture) : Boolean(options);
    const list = map.get(t);
    const reg = list?.find((r) => r.callback === callback && r.capture === capture);
    if (reg !== undefined) removeListener(map, reg);
  }
  /** https://dom.spec.whatwg.org/#dom-eventtarget-dispatchevent */
  dispatchEvent(event: unknown): boolean {
    const self = targetOf(this);
    listeners(self);
    requiredArguments(arguments.length, 1, "Failed to execute 'dispatchEvent' on 'EventTarget'");
    if (!internals.isEvent(event)) throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    const s = internals.state(event as Event);
    if (s.dispatching || !s.initialized) throw new DOMException("Failed to execute 'dispatchEvent' on 'EventTarget': The event is already being dispatched.", 'InvalidStateError');
    s.isTrusted = false;
    return dispatch(self as EventTarget, event as Event);
  }
}
defineInterface(EventTarget, 'EventTarget');

function addListener(
  target: object,
  map: Map<string, Registration[]>,
  type: string,
  callback: Listener | null,
  capture: boolean,
  once: boolean,
  passive: boolean,
  signal: unknown,
): void {
  if (signal !== undefined && signalHooks?.aborted(signal) === true) return;
  if (callback === null) return;
  let list = map.get(type);
  if (list === undefined) map.set(type, (list = []));
  if (list.some((r) => r.callback === callback && r.capture === capture)) return;
  const reg: Registration = { type, callback, capture, once, passive, removed: false, unsubscribe: null };
  list.push(reg);
  if (signal !== undefined && signalHooks !== undefined) reg.unsubscribe = signalHooks.addAlgorithm(signal, () => removeListener(map, reg));
  if (type === 'abort' && signalHooks?.isSignal(target) === true) signalHooks.listenerAdded(target);
}

/** https://dom.spec.whatwg.org/#remove-an-event-listener */
function removeListener(map: Map<string, Registration[]>, reg: Registration): void {
  if (reg.removed) return;
  reg.removed = true;
  reg.unsubscribe?.();
  reg.unsubscribe = null;
  const list = map.get(reg.type);
  if (list === undefined) return;
  const i = list.indexOf(reg);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(reg.type);
}

/** Whether a target has listeners for a type (AbortSignal.any keeps such results alive). */
export function hasListeners(target: object, type: string): boolean {
  return (targets.get(target)?.get(type)?.length ?? 0) > 0;
}

/**
 * https://dom.spec.whatwg.org/#concept-event-dispatch for a target without parents: the path is
 * the target alone, so capture listeners run first and then the others, both AT_TARGET.
 */
export function dispatch(target: EventTarget, event: Event): boolean {
  const s = st(event);
  const map = listeners(target);
  s.dispatching = true;
  s.target = target;
  s.phase = AT_TARGET;
  invoke(target, map, s, event, true);
  invoke(target, map, s, event, false);
  s.phase = NONE;
  s.currentTarget = null;
  s.dispatching = false;
  s.stopPropagation = false;
  s.stopImmediate = false;
  return !s.canceled;
}

/** https://dom.spec.whatwg.org/#concept-event-listener-invoke and "inner invoke". */
function invoke(target: EventTarget, map: Map<string, Registration[]>, s: EventState, event: Event, capturing: boolean): void {
  s.currentTarget = target;
  if (s.stopPropagation) return;
  const list = map.get(s.type);
  if (list === undefined) return;
  for (const reg of [...list]) {
    if (reg.removed) continue;
    if (capturing !== reg.capture) continue;
    if (reg.once) removeListener(map, reg);
    if (reg.passive) s.inPassiveListener = true;
    try {
      const cb = reg.callback;
      if (typeof cb === 'function') ReflectApply(cb, target, [event]);
      else {
        const handleEvent = cb.handleEvent;
        if (typeof handleEvent !== 'function') throw new TypeError("The provided callback is not callable and has no callable 'handleEvent' property.");
        ReflectApply(handleEvent, cb, [event]);
      }
    } catch (err) {
      reportException(err);
    }
    s.inPassiveListener = false;
    if (s.stopImmediate) return;
  }
}

// --- event handler attributes (https://html.spec.whatwg.org/multipage/webappapis.html#event-handler-attributes)

interface HandlerSlot {
  value: unknown;
  listener: ((event: Event) => unknown) | null;
}
const handlers = new WeakMap<object, Map<string, HandlerSlot>>();

/** Reads an `on<type>` attribute (null when unset). */
export function getEventHandler(target: object, type: string): unknown {
  listeners(target);
  return handlers.get(target)?.get(type)?.value ?? null;
}

/**
 * Sets an `on<type>` attribute. The first non-null value registers one listener, later values
 * only replace what it calls (so its place among listeners stays), null removes it.
 */
export function setEventHandler(target: object, type: string, value: unknown): void {
  const map = listeners(target);
  let perTarget = handlers.get(target);
  if (perTarget === undefined) handlers.set(target, (perTarget = new Map()));
  let slot = perTarget.get(type);
  if (slot === undefined) perTarget.set(type, (slot = { value: null, listener: null }));
  // [LegacyTreatNonObjectAsNull]
  const v = isObject(value) ? value : null;
  slot.value = v;
  if (v === null) {
    const reg = map.get(type)?.find((r) => r.callback === slot.listener && !r.capture);
    if (reg !== undefined) removeListener(map, reg);
    slot.listener = null;
    return;
  }
  if (slot.listener !== null) return;
  const s = slot;
  slot.listener = function (this: unknown, event: Event): unknown {
    const fn = s.value;
    if (typeof fn !== 'function') {
      if (fn === null) return undefined;
      throw new TypeError(`The ${type} event handler is not callable.`);
    }
    const result = ReflectApply(fn, this, [event]) as unknown;
    if (result === false) setCanceled(st(event));
    return undefined;
  };
  addListener(target, map, type, slot.listener, false, false, false, undefined);
}

/** Makes an object an EventTarget without running the constructor (for globalThis). */
export function initEventTarget(obj: object): void {
  targets.set(obj, new Map());
}

// The global object is the app's EventTarget (addEventListener('fetch', …)). A context made from a
// startup snapshot has a new global proxy: boot() registers that one again (index.ts).
initEventTarget(globalThis);
