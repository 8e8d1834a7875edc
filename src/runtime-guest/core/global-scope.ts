// The global object's interface: a ServiceWorkerGlobalScope (a WorkerGlobalScope), as in workerd.
//
// WinterTC's Minimum Common API names no global interface, but web code and test harnesses tell
// a worker from a window by `self instanceof WorkerGlobalScope` and friends (testharness.js
// picks its environment that way, idlharness.js decides which interfaces must be exposed).
// NANO's app model is the Service Worker one (a script that answers fetch events with
// `respondWith`, no DOM, no postMessage to a parent), which is why workerd presents
// ServiceWorkerGlobalScope too; Deno's main scope is a Window because it has a document-less
// `window` tradition NANO does not share. Both interface objects are exposed, cannot be
// constructed, and sit in the global object's prototype chain. Their prototypes hold no members:
// the global's own properties are the API.
import { defineInterface } from './webidl.js';
import { exposeGlobals } from './primordials.js';

const ObjectSetPrototypeOf = Object.setPrototypeOf;

/** WebIDL: an interface without a constructor throws when called or constructed. */
function illegalConstructor(): never {
  throw new TypeError('Illegal constructor');
}

export class WorkerGlobalScope {
  constructor() {
    illegalConstructor();
  }
}
defineInterface(WorkerGlobalScope, 'WorkerGlobalScope');

export class ServiceWorkerGlobalScope extends WorkerGlobalScope {}
defineInterface(ServiceWorkerGlobalScope, 'ServiceWorkerGlobalScope');

exposeGlobals({ WorkerGlobalScope, ServiceWorkerGlobalScope });

/**
 * Puts ServiceWorkerGlobalScope.prototype in the global object's prototype chain. Per isolate
 * (boot), since a context made from a snapshot gets a new global.
 */
export function presentGlobalScope(): void {
  ObjectSetPrototypeOf(globalThis, ServiceWorkerGlobalScope.prototype);
}
