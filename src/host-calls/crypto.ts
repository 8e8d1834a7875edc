// WebCrypto for isolates: the `crypto.*` async ops behind the guest's SubtleCrypto. Key material
// never leaves the host: each isolate has its own table of Node CryptoKeys and the guest holds
// only the table index (plus the key's public description). Ops run on Node's crypto.webcrypto,
// which also normalizes algorithms and raises the spec's DOMExceptions.
import { webcrypto } from 'node:crypto';
import { OpError, type AsyncOp, type OpContext } from './ops.js';
import type { CryptoMethod } from '../protocol/host-api.js';
import { JobLine, JobPool } from './job-pool.js';
import { reportLimit } from './limit-report.js';

type HostKey = webcrypto.CryptoKey;
type Alg = unknown;
/**
 * Node's SubtleCrypto with its arguments typed as the plain data this module passes: algorithms
 * arrive as untrusted copies and Node's own normalization is what validates them.
 */
interface Subtle {
  digest(alg: Alg, data: Uint8Array): Promise<ArrayBuffer>;
  encrypt(alg: Alg, key: HostKey, data: Uint8Array): Promise<ArrayBuffer>;
  decrypt(alg: Alg, key: HostKey, data: Uint8Array): Promise<ArrayBuffer>;
  sign(alg: Alg, key: HostKey, data: Uint8Array): Promise<ArrayBuffer>;
  verify(alg: Alg, key: HostKey, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
  generateKey(alg: Alg, extractable: boolean, usages: webcrypto.KeyUsage[]): Promise<HostKey | webcrypto.CryptoKeyPair>;
  deriveKey(alg: Alg, baseKey: HostKey, derivedAlg: Alg, extractable: boolean, usages: webcrypto.KeyUsage[]): Promise<HostKey>;
  deriveBits(alg: Alg, baseKey: HostKey, length: number | null): Promise<ArrayBuffer>;
  importKey(format: string, keyData: webcrypto.JsonWebKey | Uint8Array, alg: Alg, extractable: boolean, usages: webcrypto.KeyUsage[]): Promise<HostKey>;
  exportKey(format: string, key: HostKey): Promise<ArrayBuffer | webcrypto.JsonWebKey>;
  wrapKey(format: string, key: HostKey, wrappingKey: HostKey, wrapAlg: Alg): Promise<ArrayBuffer>;
  unwrapKey(
    format: string,
    wrapped: Uint8Array,
    unwrappingKey: HostKey,
    unwrapAlg: Alg,
    keyAlg: Alg,
    extractable: boolean,
    usages: webcrypto.KeyUsage[],
  ): Promise<HostKey>;
}
const subtle = webcrypto.subtle as unknown as Subtle;

/** What the guest learns about a key: everything but its material. */
export interface WireKey {
  readonly id: number;
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: unknown;
  readonly usages: string[];
}

/** Live keys per isolate. Past this the app gets OperationError until it drops some. */
export const MAX_KEYS = 10_000;
/**
 * Crypto ops running at once in the whole process: they run on libuv's 4 threads, which every
 * app's DNS lookups, zlib streams and file reads share. The rest wait, each isolate in its own
 * line, and free slots go to the lines in turn.
 */
export const MAX_CONCURRENT = 2;
/** Ops and bytes of input one isolate may have waiting; past either, QuotaExceededError. */
export const MAX_WAITING = { jobs: 128, bytes: 16 * 1024 * 1024 } as const;
/** Resource bounds on host work an app can ask for in one call (host CPU is not the app's budget). */
export const LIMITS = { pbkdf2Iterations: 1_000_000, pbkdf2Bits: 4096, rsaModulusBits: 8192, hmacKeyBits: 65_536 } as const;

const pool = new JobPool(MAX_CONCURRENT, MAX_WAITING, 'crypto operations');

/** Per-isolate state: the key table and the line of waiting ops. */
class KeyTable {
  readonly #keys = new Map<number, HostKey>();
  #nextId = 1;
  readonly line = new JobLine();

  /** Refuses before an op creates `n` more keys than the table may hold. */
  ensureRoom(n: number): void {
    if (this.#keys.size + n > MAX_KEYS) {
      throw new OpError('OperationError', `Too many CryptoKey objects are alive in this app (limit ${MAX_KEYS}); drop references to keys no longer used.`);
    }
  }

  add(key: HostKey): WireKey {
    this.ensureRoom(1);
    const id = this.#nextId++;
    this.#keys.set(id, key);
    return { id, type: key.type, extractable: key.extractable, algorithm: plainAlgorithm(key.algorithm), usages: [...key.usages] };
  }

  get(id: unknown): HostKey {
    const key = typeof id === 'number' ? this.#keys.get(id) : undefined;
    if (key === undefined) throw new OpError('TypeError', 'Argument is not a CryptoKey.');
    return key;
  }

  /** Keys whose guest handles were garbage-collected. */
  release(ids: unknown): void {
    if (!Array.isArray(ids)) return;
    for (const id of ids) if (typeof id === 'number') this.#keys.delete(id);
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Called by RuntimeIsolate.dispose: drops the key material; queued ops fail instead of running. */
  dispose(): void {
    this.line.dispose();
    this.#keys.clear();
  }
}

const TABLE = Symbol('crypto keys');
function tableOf(ctx: OpContext): KeyTable {
  let table = ctx.isolateState.get(TABLE) as KeyTable | undefined;
  if (table === undefined) ctx.isolateState.set(TABLE, (table = new KeyTable()));
  return table;
}

// --- algorithms -------------------------------------------------------------------------------

/**
 * The algorithms of the Web Cryptography spec, plus Ed448 and X448 of its Secure Curves extension
 * (https://wicg.github.io/webcrypto-secure-curves/), which browsers ship. Node also offers
 * experimental ones (ML-DSA, SHA-3, Argon2, …) that take unbounded host memory or whose specs
 * are drafts: not offered.
 */
const ALGORITHMS = new Set(
  ['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP', 'ECDSA', 'ECDH', 'Ed25519', 'X25519', 'Ed448', 'X448', 'AES-CTR', 'AES-CBC', 'AES-GCM', 'AES-KW', 'HMAC', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'HKDF', 'PBKDF2'].map((n) => n.toUpperCase()),
);
const STRING_MEMBERS = ['name', 'namedCurve'] as const;
const NUMBER_MEMBERS = ['length', 'tagLength', 'saltLength', 'modulusLength', 'iterations'] as const;
const BYTES_MEMBERS = ['iv', 'counter', 'additionalData', 'label', 'salt', 'info', 'publicExponent', 'context'] as const;

/**
 * Node 24 marks Ed448 and X448 experimental and prints an ExperimentalWarning on the process the
 * first time its algorithm normalization reads either name. An app must not be able to write to
 * the host's stderr, so before the first use the warnings are emitted once with
 * `process.emitWarning` silenced: normalization runs synchronously inside the (async) importKey,
 * and Node warns only once per name. Should a later Node normalize after an await, the cost is
 * one warning per process, nothing worse (the Ed448 test in test/runtime-guest/subtle-crypto.test.ts
 * notices).
 */
const EXPERIMENTAL = new Set(['ED448', 'X448']);
let experimentalPrimed = false;
function primeExperimentalWarnings(): void {
  experimentalPrimed = true;
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  try {
    for (const name of ['Ed448', 'X448']) {
      (webcrypto.subtle.importKey('raw', new Uint8Array(0), name, false, []) as Promise<unknown>).catch(() => {});
    }
  } finally {
    process.emitWarning = emit;
  }
}

function checkName(name: unknown): void {
  if (typeof name !== 'string') return;
  const upper = name.toUpperCase();
  if (!ALGORITHMS.has(upper)) throw new OpError('NotSupportedError', 'Unrecognized algorithm name');
  if (!experimentalPrimed && EXPERIMENTAL.has(upper)) primeExperimentalWarnings();
}

/**
 * Rebuilds an algorithm identifier from the guest's copy, keeping only the members of the spec's
 * algorithm dictionaries with the types they may have; Node's normalization does the rest. A
 * guest CryptoKey arrives as `{ nanoKey: id }` (the `public` member of ECDH/X25519/X448).
 */
function algorithm(value: unknown, table: KeyTable): unknown {
  if (typeof value === 'string') {
    checkName(value);
    return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value === null ? null : {};
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of STRING_MEMBERS) if (typeof src[k] === 'string') out[k] = src[k];
  for (const k of NUMBER_MEMBERS) {
    if (src[k] !== undefined) out[k] = enforceRange(src[k], k);
  }
  for (const k of BYTES_MEMBERS) {
    const v = src[k];
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v) || v === null) out[k] = v;
  }
  const hash = src.hash;
  if (typeof hash === 'string') out.hash = hash;
  else if (typeof hash === 'object' && hash !== null) out.hash = { name: (hash as { name?: unknown }).name };
  if ('public' in src) {
    const p = src.public;
    out.public = typeof p === 'object' && p !== null && typeof (p as { nanoKey?: unknown }).nanoKey === 'number' ? table.get((p as { nanoKey: number }).nanoKey) : null;
  }
  checkName(out.name);
  const hashName = typeof out.hash === 'string' ? out.hash : (out.hash as { name?: unknown } | undefined)?.name;
  if (hashName !== undefined) checkName(hashName);
  checkLimits(out);
  return out;
}

/**
 * WebIDL `[EnforceRange] unsigned long` (every numeric member of the spec's algorithm
 * dictionaries; `octet` and `unsigned short` ones are narrowed further by Node), done here so the
 * bounds below see the number Node will use: the guest's conversion is app-patchable, and Node
 * itself would turn `"4000000000"` into 4e9 after these checks.
 */
function enforceRange(value: unknown, member: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' || typeof value === 'boolean' || value === null ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new OpError('TypeError', `${member} is not a finite number.`);
  const x = Math.trunc(n);
  if (x < 0 || x > 0xffff_ffff) throw new OpError('TypeError', `${member} is outside the range of an unsigned long.`);
  return x;
}

function checkLimits(alg: Record<string, unknown>): void {
  const name = typeof alg.name === 'string' ? alg.name.toUpperCase() : '';
  if (name === 'HMAC' && typeof alg.length === 'number' && alg.length > LIMITS.hmacKeyBits) {
    throw new OpError('NotSupportedError', `HMAC keys longer than ${LIMITS.hmacKeyBits} bits are not supported.`);
  }
  if (name === 'PBKDF2' && typeof alg.iterations === 'number' && alg.iterations > LIMITS.pbkdf2Iterations) {
    throw new OpError('NotSupportedError', `PBKDF2 with more than ${LIMITS.pbkdf2Iterations} iterations is not supported.`);
  }
  if (name.startsWith('RSA') && typeof alg.modulusLength === 'number' && alg.modulusLength > LIMITS.rsaModulusBits) {
    throw new OpError('NotSupportedError', `RSA keys longer than ${LIMITS.rsaModulusBits} bits are not supported.`);
  }
}

/** A key's `algorithm` as plain data (Node's objects are plain already; this pins the shape). */
function plainAlgorithm(alg: webcrypto.KeyAlgorithm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(alg)) {
    if (v instanceof Uint8Array) out[k] = new Uint8Array(v);
    else if (typeof v === 'object' && v !== null) out[k] = { name: String((v as { name?: unknown }).name) };
    else out[k] = v;
  }
  return out;
}

function bytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new OpError('TypeError', 'Argument is not a BufferSource.');
}
function usages(value: unknown): webcrypto.KeyUsage[] {
  if (!Array.isArray(value) || !value.every((u) => typeof u === 'string')) throw new OpError('TypeError', 'Key usages must be a sequence of strings.');
  return value as webcrypto.KeyUsage[];
}
function format(value: unknown): 'raw' | 'spki' | 'pkcs8' | 'jwk' {
  if (value === 'raw' || value === 'spki' || value === 'pkcs8' || value === 'jwk') return value;
  throw new OpError('TypeError', `'${String(value)}' is not a valid enum value of type KeyFormat.`);
}
function jwkOrBytes(fmt: string, value: unknown): webcrypto.JsonWebKey | Uint8Array {
  if (fmt === 'jwk') {
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) throw new OpError('TypeError', 'Key data must be a JsonWebKey for the jwk format.');
    return value as webcrypto.JsonWebKey;
  }
  return bytes(value);
}
function lengthArg(arg: unknown, alg: unknown): number | null {
  if (arg !== null && typeof arg !== 'number') throw new OpError('TypeError', 'length must be a number or null.');
  // WebIDL `unsigned long?` (no EnforceRange): NaN and infinities are 0, the rest modulo 2^32.
  const value = arg === null ? null : Number.isFinite(arg) ? ((Math.trunc(arg) % 2 ** 32) + 2 ** 32) % 2 ** 32 : 0;
  const name = typeof alg === 'string' ? alg : (alg as { name?: unknown }).name;
  if (typeof name === 'string' && name.toUpperCase() === 'PBKDF2' && typeof value === 'number' && value > LIMITS.pbkdf2Bits) {
    throw new OpError('NotSupportedError', `PBKDF2 output longer than ${LIMITS.pbkdf2Bits} bits is not supported.`);
  }
  return value;
}

// --- errors -----------------------------------------------------------------------------------

const DOM_NAMES = new Set(['NotSupportedError', 'SyntaxError', 'InvalidAccessError', 'DataError', 'OperationError', 'InvalidStateError', 'QuotaExceededError']);

/** Node's errors as clean web errors: the DOMException name kept, no stacks, no Node-isms. */
function toOpError(err: unknown): OpError {
  if (err instanceof OpError) return err;
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message.replace(', Buffer,', ',').replace(/ \(code [A-Z_]+\)$/, '') : '';
  if (DOM_NAMES.has(name)) return new OpError(name, message);
  if (name === 'TypeError' || name === 'RangeError') return new OpError(name, message);
  return new OpError('OperationError', 'The operation failed for an operation-specific reason');
}

// --- ops --------------------------------------------------------------------------------------

/** Bytes of an op's input: its byte arrays, one level into objects (algorithms, JWKs). */
function inputBytes(args: unknown[]): number {
  let n = 0;
  for (const a of args) {
    if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) n += a.byteLength;
    else if (typeof a === 'string') n += a.length;
    else if (typeof a === 'object' && a !== null) {
      for (const v of Object.values(a)) {
        if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) n += v.byteLength;
        else if (typeof v === 'string') n += v.length;
      }
    }
  }
  return n;
}

/** The crypto.* ops by name, filled by op() below (registered in registry.ts). */
export const CRYPTO_HANDLERS: Partial<Record<`crypto.${CryptoMethod}`, AsyncOp>> = {};

/**
 * Defines one op: `[released key ids, …args]`, errors made clean. Ops that Node runs as jobs
 * on libuv's thread pool take a slot of the pool; importKey and exportKey run on the main thread
 * (bounded by their input, which the isolate's memory limit bounds) and do not queue.
 */
function op(name: CryptoMethod, fn: (args: unknown[], table: KeyTable) => Promise<unknown>, pooled = true): void {
  CRYPTO_HANDLERS[`crypto.${name}`] = async (args, ctx) => {
    const table = tableOf(ctx);
    table.release(args[0]);
    const rest = args.slice(1);
    try {
      if (!pooled) return await fn(rest, table);
      return await pool.run(table.line, inputBytes(rest), () => fn(rest, table));
    } catch (err) {
      if (err instanceof OpError && err.name === 'QuotaExceededError') reportLimit(ctx.appName, 'crypto.waiting', err.message);
      throw toOpError(err);
    }
  };
}

function keyResult(key: HostKey | webcrypto.CryptoKeyPair, table: KeyTable): unknown {
  table.ensureRoom('privateKey' in key ? 2 : 1);
  if ('privateKey' in key) return { publicKey: table.add(key.publicKey), privateKey: table.add(key.privateKey) };
  return table.add(key);
}

op('digest', async ([alg, data], t) => subtle.digest(algorithm(alg, t), bytes(data)));

op('encrypt', async ([alg, key, data], t) => subtle.encrypt(algorithm(alg, t), t.get(key), bytes(data)));
op('decrypt', async ([alg, key, data], t) => subtle.decrypt(algorithm(alg, t), t.get(key), bytes(data)));
op('sign', async ([alg, key, data], t) => subtle.sign(algorithm(alg, t), t.get(key), bytes(data)));
op('verify', async ([alg, key, signature, data], t) =>
  subtle.verify(algorithm(alg, t), t.get(key), bytes(signature), bytes(data)),
);

op('generateKey', async ([alg, extractable, use], t) =>
  keyResult(await subtle.generateKey(algorithm(alg, t), extractable === true, usages(use)), t),
);

op('deriveKey', async ([alg, baseKey, derivedAlg, extractable, use], t) =>
  keyResult(
    await subtle.deriveKey(
      algorithm(alg, t),
      t.get(baseKey),
      algorithm(derivedAlg, t),
      extractable === true,
      usages(use),
    ),
    t,
  ),
);

op('deriveBits', async ([alg, baseKey, length], t) => {
  const normalized = algorithm(alg, t);
  // The current spec's `unsigned long? length = null`, which Node 24 follows.
  return subtle.deriveBits(normalized, t.get(baseKey), lengthArg(length, normalized));
});

op('importKey', async ([fmt, keyData, alg, extractable, use], t) => {
  const f = format(fmt);
  const data = jwkOrBytes(f, keyData);
  return keyResult(await subtle.importKey(f, data, algorithm(alg, t), extractable === true, usages(use)), t);
}, false);

op('exportKey', async ([fmt, key], t) => subtle.exportKey(format(fmt), t.get(key)), false);

op('wrapKey', async ([fmt, key, wrappingKey, wrapAlg], t) =>
  subtle.wrapKey(format(fmt), t.get(key), t.get(wrappingKey), algorithm(wrapAlg, t)),
);

op('unwrapKey', async ([fmt, wrapped, unwrappingKey, unwrapAlg, keyAlg, extractable, use], t) =>
  keyResult(
    await subtle.unwrapKey(
      format(fmt),
      bytes(wrapped),
      t.get(unwrappingKey),
      algorithm(unwrapAlg, t),
      algorithm(keyAlg, t),
      extractable === true,
      usages(use),
    ),
    t,
  ),
);
