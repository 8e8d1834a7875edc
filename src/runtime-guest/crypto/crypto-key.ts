// CryptoKey (https://w3c.github.io/webcrypto/#cryptokey-interface): a handle to key material that
// stays on the host (src/host-calls/crypto.ts). The guest holds the host table index and the
// key's public description; garbage-collected handles are reported back so the host frees them.
import { defineInterface, illegalConstructor } from '../core/webidl.js';
import { registerCloneable } from '../html/cloneable.js';
import { ArrayIsArray, ObjectFreeze, WeakRefCtor } from '../core/primordials.js';

/** A key as the host describes it (src/host-calls/crypto.ts WireKey). */
export interface WireKey {
  readonly id: number;
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: Record<string, unknown>;
  readonly usages: string[];
}

let constructing = false;
let isKey: (value: unknown) => boolean;
let wireOf: (key: CryptoKey) => WireKey;

export class CryptoKey {
  readonly #wire: WireKey;
  /** [[algorithm_cached]] and [[usages_cached]]: the same objects on every read. */
  readonly #algorithm: object;
  readonly #usages: string[];

  constructor(wire?: WireKey) {
    if (!constructing || wire === undefined) illegalConstructor();
    this.#wire = wire;
    this.#algorithm = cloneAlgorithm(wire.algorithm);
    this.#usages = [...wire.usages];
    track(wire.id, this);
  }
  get type(): string {
    return this.#wire.type;
  }
  get extractable(): boolean {
    return this.#wire.extractable;
  }
  get algorithm(): object {
    return this.#algorithm;
  }
  get usages(): string[] {
    return this.#usages;
  }

  static {
    isKey = (value) => typeof value === 'object' && value !== null && #wire in value;
    wireOf = (key) => key.#wire;
  }
}
// No constructor in the IDL: the interface object's length is 0 (the internal parameter does not count).
defineInterface(CryptoKey, 'CryptoKey', { ctorLength: 0 });

export function isCryptoKey(value: unknown): value is CryptoKey {
  return isKey(value);
}

/** The host table index of a key; callers check `isCryptoKey` first. */
export function keyId(key: CryptoKey): number {
  return wireOf(key).id;
}
export function keyType(key: CryptoKey): string {
  return wireOf(key).type;
}

/** Wraps a host key description (or a {publicKey, privateKey} pair of them) in CryptoKeys. */
export function makeKeys(result: unknown): CryptoKey | { publicKey: CryptoKey; privateKey: CryptoKey } {
  const r = result as WireKey | { publicKey: WireKey; privateKey: WireKey };
  if ('privateKey' in r) return { publicKey: makeKey(r.publicKey), privateKey: makeKey(r.privateKey) };
  return makeKey(r);
}

function makeKey(wire: WireKey): CryptoKey {
  constructing = true;
  try {
    return new CryptoKey(wire);
  } finally {
    constructing = false;
  }
}

function cloneAlgorithm(alg: Record<string, unknown>): object {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(alg)) {
    const v = alg[k];
    out[k] = v instanceof Uint8Array ? new Uint8Array(v) : typeof v === 'object' && v !== null && !ArrayIsArray(v) ? { ...v } : v;
  }
  return out;
}

// Structured clone (the spec marks CryptoKey [Serializable]): a second handle to the same host key.
registerCloneable(CryptoKey.prototype, (value) => makeKey(wireOf(value as CryptoKey)));

// --- release of collected handles --------------------------------------------------------------
// FinalizationRegistry callbacks never run inside isolated-vm isolates, but WeakRefs are cleared
// by GC; so handles are tracked with WeakRefs and swept now and then (amortized: when the tracked
// count has doubled since the last sweep). Freed ids ride along with the next crypto op.

const tracked = new Map<number, WeakRef<CryptoKey>[]>();
let released: number[] = [];
let trackedHandles = 0;
let sweepAt = 256;

function track(id: number, key: CryptoKey): void {
  let refs = tracked.get(id);
  if (refs === undefined) tracked.set(id, (refs = []));
  refs.push(new WeakRefCtor(key));
  trackedHandles++;
}

function sweep(): void {
  trackedHandles = 0;
  for (const [id, refs] of tracked) {
    const alive = refs.filter((r) => r.deref() !== undefined);
    if (alive.length === 0) {
      tracked.delete(id);
      released.push(id);
    } else {
      if (alive.length !== refs.length) tracked.set(id, alive);
      trackedHandles += alive.length;
    }
  }
  sweepAt = Math.max(256, trackedHandles * 2);
}

/** Ids of host keys no handle refers to any more; sent with the next op. */
export function takeReleased(): readonly number[] {
  if (trackedHandles >= sweepAt) sweep();
  if (released.length === 0) return EMPTY;
  const out = released;
  released = [];
  return out;
}
const EMPTY: readonly number[] = ObjectFreeze([]);
