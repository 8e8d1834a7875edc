// FetchEvent, for apps in the service-worker syntax (`addEventListener('fetch', e => e.respondWith(…))`).
// A runtime unit (UNITS): only such apps load it, with the events unit it extends.
import { Event, EventTarget, dispatch, markTrusted } from '../events/events.js';
import { DOMException } from '../core/dom-exception.js';

interface FetchEventState {
  request: unknown;
  respond: ((r: unknown) => void) | null;
  waitUntil: (p: unknown) => void;
  passThrough: () => void;
}
const fetchEvents = new WeakMap<object, FetchEventState>();

export class FetchEvent extends Event {
  constructor(type: string, init: { request: unknown }) {
    super(type);
    fetchEvents.set(this, { request: init.request, respond: null, waitUntil: () => {}, passThrough: () => {} });
  }
  get request(): unknown {
    return fe(this).request;
  }
  respondWith(r: unknown): void {
    const s = fe(this);
    if (s.respond === null) throw new DOMException('respondWith() was already called or the event is no longer dispatching', 'InvalidStateError');
    const respond = s.respond;
    s.respond = null;
    respond(r);
  }
  waitUntil(p: unknown): void {
    fe(this).waitUntil(p);
  }
  passThroughOnException(): void {
    fe(this).passThrough();
  }
}
function fe(self: unknown): FetchEventState {
  const s = fetchEvents.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

/**
 * Dispatches a trusted 'fetch' event for `request` on the global and returns what the listeners
 * passed to respondWith(), or throws when none did.
 */
export function dispatchFetchEvent(request: unknown, waitUntil: (p: unknown) => void, passThrough: () => void): unknown {
  let responded: unknown = undefined;
  let called = false;
  const event = new FetchEvent('fetch', { request });
  const s = fe(event);
  s.respond = (r) => {
    called = true;
    responded = r;
  };
  s.waitUntil = waitUntil;
  s.passThrough = passThrough;
  markTrusted(event);
  // A listener's exception is reported (an 'error' event on the global), not thrown: note it, as
  // an event that failed is an exception, not an event nobody answered.
  let threw = false;
  const noteError = (): void => {
    threw = true;
  };
  const global = globalThis as unknown as EventTarget;
  EventTarget.prototype.addEventListener.call(global, 'error', noteError);
  try {
    dispatch(global, event);
  } finally {
    EventTarget.prototype.removeEventListener.call(global, 'error', noteError);
  }
  s.respond = null;
  // As in Workers, an event nobody answered falls through to the origin (the app's `origin`).
  if (!called) {
    if (!threw) passThrough();
    throw new TypeError('No fetch handler responded: export default { fetch } or call event.respondWith()');
  }
  return responded;
}
