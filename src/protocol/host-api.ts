// The names of everything an isolate may ask of the host, as one typed table both sides compile
// against: a guest `hostCall`/`hostOp` with a name not listed here, or a host table that misses or
// adds one, fails to compile. src/host-calls/README.md describes each (a test keeps it in step).

/** Synchronous calls answered by src/host-calls/sync-calls.ts: `call(name, …args)`. */
export const SYNC_CALLS = ['urlParse', 'urlSet', 'randomBytes', 'encodingName', 'textDecode'] as const;
export type SyncCallName = (typeof SYNC_CALLS)[number];

/** Synchronous calls answered by the app's isolate owner (src/isolates/app-instance.ts). */
export const ISOLATE_CALLS = ['respond', 'respondError', 'passBody', 'limits'] as const;
export type IsolateCallName = (typeof ISOLATE_CALLS)[number];

export type CallName = SyncCallName | IsolateCallName;

/** The SubtleCrypto methods; each is the async op `crypto.<method>` (src/host-calls/crypto.ts). */
export const CRYPTO_METHODS = ['digest', 'encrypt', 'decrypt', 'sign', 'verify', 'generateKey', 'deriveKey', 'deriveBits', 'importKey', 'exportKey', 'wrapKey', 'unwrapKey'] as const;
export type CryptoMethod = (typeof CRYPTO_METHODS)[number];

/** Async ops of outbound fetch (src/host-calls/fetch.ts). */
export const FETCH_OPS = ['fetch', 'fetchWrite', 'fetchRead', 'fetchCancel'] as const;
/** Async ops of CompressionStream / DecompressionStream (src/host-calls/compression.ts). */
export const ZLIB_OPS = ['zlibOpen', 'zlibWrite', 'zlibEnd', 'zlibRead', 'zlibClose'] as const;

/** Async ops: `send('op', origin, id, name, args)`, completed with Entry.complete. */
export type OpName = (typeof FETCH_OPS)[number] | (typeof ZLIB_OPS)[number] | `crypto.${CryptoMethod}`;
export const OPS: readonly OpName[] = [...FETCH_OPS, ...ZLIB_OPS, ...CRYPTO_METHODS.map((m) => `crypto.${m}` as const)];
