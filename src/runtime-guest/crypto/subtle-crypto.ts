// SubtleCrypto (https://w3c.github.io/webcrypto/#subtlecrypto-interface). The WebIDL conversions of
// every argument happen here, in the app's turn; the operations themselves are async host ops
// (`crypto.*`, src/host-calls/crypto.ts) on Node's WebCrypto, which normalizes algorithms and
// raises the spec's errors. Keys cross as host table ids, data as copies.
import { hostOp } from '../core/host.js';
import type { CryptoMethod } from '../../protocol/host-api.js';
import { DOMException } from '../core/dom-exception.js';
import { CryptoKey, isCryptoKey, keyId, makeKeys, takeReleased } from './crypto-key.js';
export { CryptoKey };
import { PromisePrototypeThen, PromiseReject } from '../core/primordials.js';
import { bufferSourceCopy, defineInterface, illegalConstructor, isObject, requiredArguments, toDictionary, toDOMString, toSequence, toUnsignedLong } from '../core/webidl.js';

const KEY_USAGES = new Set(['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey']);
const KEY_FORMATS = new Set(['raw', 'spki', 'pkcs8', 'jwk']);

/** BufferSource without [AllowShared] (WebCrypto never allows shared memory). */
function isBufferSource(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer);
}

/**
 * Members of the spec's algorithm dictionaries, in WebIDL read order (name first, then sorted).
 * `context` is Ed448Params' (https://wicg.github.io/webcrypto-secure-curves/#dfn-Ed448Params).
 */
const BYTES_MEMBERS = new Set(['additionalData', 'context', 'counter', 'info', 'iv', 'label', 'salt']);
const NUMBER_MEMBERS = new Set(['iterations', 'length', 'modulusLength', 'saltLength', 'tagLength']);
const MEMBER_ORDER = ['additionalData', 'context', 'counter', 'hash', 'info', 'iterations', 'iv', 'label', 'length', 'modulusLength', 'namedCurve', 'public', 'publicExponent', 'salt', 'saltLength', 'tagLength'];

/**
 * AlgorithmIdentifier `(object or DOMString)` as plain data for the host. Members get the WebIDL
 * type their dictionaries declare; a value of the wrong type becomes null, which the host's
 * normalization rejects with a TypeError only if the algorithm actually uses that member (as the
 * spec's per-algorithm dictionary conversion does).
 */
function algorithmArg(value: unknown): unknown {
  if (!isObject(value)) return toDOMString(value);
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const name = src.name;
  if (name !== undefined) out.name = toDOMString(name);
  for (const k of MEMBER_ORDER) {
    const v = src[k];
    if (v === undefined) continue;
    if (BYTES_MEMBERS.has(k)) out[k] = isBufferSource(v) ? bufferSourceCopy(v, 'algorithm') : null;
    else if (NUMBER_MEMBERS.has(k)) out[k] = typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || v === null ? v : Number(v);
    else if (k === 'publicExponent') out[k] = v instanceof Uint8Array ? v.slice() : null;
    else if (k === 'public') out[k] = isCryptoKey(v) ? { nanoKey: keyId(v) } : null;
    else if (k === 'hash') out[k] = isObject(v) ? { name: (v as { name?: unknown }).name === undefined ? undefined : toDOMString((v as { name?: unknown }).name) } : toDOMString(v);
    else out[k] = toDOMString(v);
  }
  return out;
}

function keyArg(value: unknown, method: string, index: number): number {
  if (!isCryptoKey(value)) throw new TypeError(`Failed to execute '${method}' on 'SubtleCrypto': parameter ${index} is not of type 'CryptoKey'.`);
  return keyId(value);
}

function dataArg(value: unknown, method: string, index: number): Uint8Array {
  return bufferSourceCopy(value, `Failed to execute '${method}' on 'SubtleCrypto': parameter ${index}`);
}

function formatArg(value: unknown, method: string): string {
  const f = toDOMString(value);
  if (!KEY_FORMATS.has(f)) throw new TypeError(`Failed to execute '${method}' on 'SubtleCrypto': The provided value '${f}' is not a valid enum value of type KeyFormat.`);
  return f;
}

function usagesArg(value: unknown, method: string): string[] {
  const context = `Failed to execute '${method}' on 'SubtleCrypto'`;
  return toSequence(value, context).map((item) => {
    const u = toDOMString(item);
    if (!KEY_USAGES.has(u)) throw new TypeError(`${context}: The provided value '${u}' is not a valid enum value of type KeyUsage.`);
    return u;
  });
}

/** JsonWebKey (https://w3c.github.io/webcrypto/#JsonWebKey-dictionary), members in WebIDL order. */
const JWK_STRINGS = ['alg', 'crv', 'd', 'dp', 'dq', 'e', 'k', 'kty', 'n', 'p', 'q', 'qi', 'use', 'x', 'y'];
function jwkArg(value: unknown, context: string): Record<string, unknown> {
  const src = toDictionary(value, context);
  const out: Record<string, unknown> = {};
  for (const k of ['alg', 'crv', 'd', 'dp', 'dq', 'e', 'ext', 'k', 'key_ops', 'kty', 'n', 'oth', 'p', 'q', 'qi', 'use', 'x', 'y']) {
    const v = src[k];
    if (v === undefined) continue;
    if (k === 'ext') out[k] = Boolean(v);
    else if (k === 'key_ops') out[k] = toSequence(v, context).map(toDOMString);
    else if (k === 'oth') {
      out[k] = toSequence(v, context).map((item) => {
        const o = toDictionary(item, context);
        const info: Record<string, string> = {};
        for (const m of ['d', 'r', 't']) if (o[m] !== undefined) info[m] = toDOMString(o[m]);
        return info;
      });
    } else if (JWK_STRINGS.includes(k)) out[k] = toDOMString(v);
  }
  return out;
}

/** Host errors arrive as (message, name); the spec's names become DOMExceptions. */
function toWebError(message: string, name: string): Error {
  if (name === 'TypeError') return new TypeError(message);
  if (name === 'RangeError') return new RangeError(message);
  return new DOMException(message, name);
}

let constructing = false;
let isSubtle: (value: unknown) => boolean;

/**
 * Every method: brand check, argument count, conversions, then the host op. WebIDL turns any
 * exception of these steps into a rejected promise, since the operations return promises.
 */
function run<T>(self: unknown, method: CryptoMethod, argc: number, required: number, convert: () => unknown[], wrap?: (result: unknown) => T): Promise<T> {
  try {
    if (!isSubtle(self)) throw new TypeError('Illegal invocation');
    requiredArguments(argc, required, `Failed to execute '${method}' on 'SubtleCrypto'`);
    const args = convert();
    const p = hostOp<unknown>(`crypto.${method}`, [takeReleased(), ...args], toWebError);
    return (wrap === undefined ? p : PromisePrototypeThen(p, wrap)) as Promise<T>;
  } catch (err) {
    return PromiseReject(err) as Promise<T>;
  }
}

const asKeys = (r: unknown): unknown => makeKeys(r);

export class SubtleCrypto {
  #brand = true;
  constructor() {
    if (!constructing) illegalConstructor();
  }
  static {
    isSubtle = (value) => typeof value === 'object' && value !== null && #brand in value;
  }

  encrypt(algorithm: unknown, key: unknown, data: unknown): Promise<ArrayBuffer> {
    return run(this, 'encrypt', arguments.length, 3, () => [algorithmArg(algorithm), keyArg(key, 'encrypt', 2), dataArg(data, 'encrypt', 3)]);
  }
  decrypt(algorithm: unknown, key: unknown, data: unknown): Promise<ArrayBuffer> {
    return run(this, 'decrypt', arguments.length, 3, () => [algorithmArg(algorithm), keyArg(key, 'decrypt', 2), dataArg(data, 'decrypt', 3)]);
  }
  sign(algorithm: unknown, key: unknown, data: unknown): Promise<ArrayBuffer> {
    return run(this, 'sign', arguments.length, 3, () => [algorithmArg(algorithm), keyArg(key, 'sign', 2), dataArg(data, 'sign', 3)]);
  }
  verify(algorithm: unknown, key: unknown, signature: unknown, data: unknown): Promise<boolean> {
    return run(this, 'verify', arguments.length, 4, () => [
      algorithmArg(algorithm),
      keyArg(key, 'verify', 2),
      dataArg(signature, 'verify', 3),
      dataArg(data, 'verify', 4),
    ]);
  }
  digest(algorithm: unknown, data: unknown): Promise<ArrayBuffer> {
    return run(this, 'digest', arguments.length, 2, () => [algorithmArg(algorithm), dataArg(data, 'digest', 2)]);
  }
  generateKey(algorithm: unknown, extractable: unknown, keyUsages: unknown): Promise<CryptoKey | CryptoKeyPair> {
    return run(this, 'generateKey', arguments.length, 3, () => [algorithmArg(algorithm), Boolean(extractable), usagesArg(keyUsages, 'generateKey')], asKeys) as Promise<CryptoKey | CryptoKeyPair>;
  }
  deriveKey(algorithm: unknown, baseKey: unknown, derivedKeyType: unknown, extractable: unknown, keyUsages: unknown): Promise<CryptoKey> {
    return run(
      this,
      'deriveKey',
      arguments.length,
      5,
      () => [algorithmArg(algorithm), keyArg(baseKey, 'deriveKey', 2), algorithmArg(derivedKeyType), Boolean(extractable), usagesArg(keyUsages, 'deriveKey')],
      asKeys,
    ) as Promise<CryptoKey>;
  }
  deriveBits(algorithm: unknown, baseKey: unknown, length: unknown = null): Promise<ArrayBuffer> {
    return run(this, 'deriveBits', arguments.length, 2, () => [
      algorithmArg(algorithm),
      keyArg(baseKey, 'deriveBits', 2),
      length === null || length === undefined ? null : toUnsignedLong(length),
    ]);
  }
  importKey(format: unknown, keyData: unknown, algorithm: unknown, extractable: unknown, keyUsages: unknown): Promise<CryptoKey> {
    return run(
      this,
      'importKey',
      arguments.length,
      5,
      () => {
        const context = "Failed to execute 'importKey' on 'SubtleCrypto'";
        const f = formatArg(format, 'importKey');
        const data = isBufferSource(keyData) ? bufferSourceCopy(keyData, context) : jwkArg(keyData, context);
        const alg = algorithmArg(algorithm);
        const ext = Boolean(extractable);
        const use = usagesArg(keyUsages, 'importKey');
        // https://w3c.github.io/webcrypto/#SubtleCrypto-method-importKey steps 3 and 4.
        if (f === 'jwk' && data instanceof Uint8Array) throw new TypeError(`${context}: Key data must be an object for the 'jwk' format.`);
        if (f !== 'jwk' && !(data instanceof Uint8Array)) throw new TypeError(`${context}: Key data must be a BufferSource for non-JWK formats.`);
        return [f, data, alg, ext, use];
      },
      asKeys,
    ) as Promise<CryptoKey>;
  }
  exportKey(format: unknown, key: unknown): Promise<ArrayBuffer | JsonWebKeyObject> {
    return run(this, 'exportKey', arguments.length, 2, () => [formatArg(format, 'exportKey'), keyArg(key, 'exportKey', 2)]);
  }
  wrapKey(format: unknown, key: unknown, wrappingKey: unknown, wrapAlgorithm: unknown): Promise<ArrayBuffer> {
    return run(this, 'wrapKey', arguments.length, 4, () => [
      formatArg(format, 'wrapKey'),
      keyArg(key, 'wrapKey', 2),
      keyArg(wrappingKey, 'wrapKey', 3),
      algorithmArg(wrapAlgorithm),
    ]);
  }
  unwrapKey(
    format: unknown,
    wrappedKey: unknown,
    unwrappingKey: unknown,
    unwrapAlgorithm: unknown,
    unwrappedKeyAlgorithm: unknown,
    extractable: unknown,
    keyUsages: unknown,
  ): Promise<CryptoKey> {
    return run(
      this,
      'unwrapKey',
      arguments.length,
      7,
      () => [
        formatArg(format, 'unwrapKey'),
        dataArg(wrappedKey, 'unwrapKey', 2),
        keyArg(unwrappingKey, 'unwrapKey', 3),
        algorithmArg(unwrapAlgorithm),
        algorithmArg(unwrappedKeyAlgorithm),
        Boolean(extractable),
        usagesArg(keyUsages, 'unwrapKey'),
      ],
      asKeys,
    ) as Promise<CryptoKey>;
  }
}
defineInterface(SubtleCrypto, 'SubtleCrypto', { lengths: { deriveBits: 2 } });

type CryptoKeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };
type JsonWebKeyObject = Record<string, unknown>;

/** crypto.subtle: the one SubtleCrypto instance ([SameObject]). */
export const subtle: SubtleCrypto = (() => {
  constructing = true;
  try {
    return new SubtleCrypto();
  } finally {
    constructing = false;
  }
})();
