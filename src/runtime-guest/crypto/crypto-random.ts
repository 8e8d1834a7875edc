// Crypto (https://w3c.github.io/webcrypto/#crypto-interface): the `crypto` global with subtle,
// getRandomValues and randomUUID. Random bytes come from the host's CSPRNG in blocks, so most
// calls need no host call at all.
import { hostCall } from '../core/host.js';
import { DOMException } from '../core/dom-exception.js';
import type { SubtleCrypto } from './subtle-crypto.js';
import { lazyUnit } from '../core/units.js';
import { defineInterface, illegalConstructor, requiredArguments } from '../core/webidl.js';
import { ArrayBufferIsView, ReflectApply } from '../core/primordials.js';

/** SubtleCrypto and CryptoKey (a runtime unit), loaded when an app first reaches crypto.subtle or either global. */
export const subtleCrypto = lazyUnit<typeof import('./subtle-crypto.js')>('subtle-crypto');

const POOL_SIZE = 4096;
let pool: Uint8Array = new Uint8Array(0);
let poolOffset = 0;

function randomBytes(n: number): Uint8Array {
  if (n > POOL_SIZE) return hostCall<Uint8Array>('randomBytes', n);
  if (poolOffset + n > pool.length) {
    pool = hostCall<Uint8Array>('randomBytes', POOL_SIZE);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

const INTEGER_ARRAYS = new Set(['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array']);
/** %TypedArray%.prototype[@@toStringTag]: the real element type, whatever the prototype chain says. */
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, Symbol.toStringTag)?.get as () => string | undefined;

export function getRandomValues<T extends ArrayBufferView | null>(array: T): T {
  if (!ArrayBufferIsView(array)) {
    throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'.");
  }
  const tag = ReflectApply(typedArrayTag, array, []) as string | undefined;
  if (tag === undefined || !INTEGER_ARRAYS.has(tag)) {
    throw new DOMException("Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is not an integer array type.", 'TypeMismatchError');
  }
  if (array.byteLength > 65536) {
    throw new DOMException(`Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536).`, 'QuotaExceededError');
  }
  const target = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  target.set(randomBytes(array.byteLength));
  return array;
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i + 0x100).toString(16).slice(1));

export function randomUUID(): string {
  const b = randomBytes(16).slice();
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = (i: number): string => HEX[b[i] as number] as string;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

let constructing = false;
let isCrypto: (value: unknown) => boolean;
function brand(self: unknown): void {
  if (!isCrypto(self)) throw new TypeError('Illegal invocation');
}

export class Crypto {
  #brand = true;
  constructor() {
    if (!constructing) illegalConstructor();
  }
  static {
    isCrypto = (value) => typeof value === 'object' && value !== null && #brand in value;
  }
  /** [SameObject] */
  get subtle(): SubtleCrypto {
    brand(this);
    return subtleCrypto().subtle;
  }
  getRandomValues<T extends ArrayBufferView | null>(array: T): T {
    brand(this);
    requiredArguments(arguments.length, 1, "Failed to execute 'getRandomValues' on 'Crypto'");
    return getRandomValues(array);
  }
  randomUUID(): string {
    brand(this);
    return randomUUID();
  }
}
defineInterface(Crypto, 'Crypto');

/** The `crypto` global. */
export const crypto: Crypto = (() => {
  constructing = true;
  try {
    return new Crypto();
  } finally {
    constructing = false;
  }
})();
