// What the runtime keeps of structuredClone in every isolate: the registry of serializable
// platform objects (Blob, File and CryptoKey register a cloner for their prototype) and the way to
// the algorithm itself, the `structured-clone` runtime unit (structured-clone.ts), loaded on first
// use.
import { lazyUnit } from '../core/units.js';

export type Cloner = (value: unknown) => unknown;
export const extraCloners = new Map<object, (value: object, clone: Cloner) => object>();

/** Lets other runtime modules (Blob, File, CryptoKey) register platform-object cloning. */
export function registerCloneable(proto: object, fn: (value: object, clone: Cloner) => object): void {
  extraCloners.set(proto, fn);
}

/** The structured-clone unit (the `structuredClone` global comes from it too). */
export const cloneUnit = lazyUnit<typeof import('./structured-clone.js')>('structured-clone');

/** https://html.spec.whatwg.org/multipage/structured-data.html#dom-structuredclone, for the runtime's own use. */
export function structuredClone(value: unknown, options: unknown = undefined): unknown {
  return cloneUnit().structuredClone(value, options);
}
