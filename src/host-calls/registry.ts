// The one list of what an isolate may call on the host: the synchronous calls and every async op,
// by the names of the typed table in src/protocol/host-api.ts. RuntimeIsolate looks names up here
// only; nothing registers itself by being imported.
import type { OpName, SyncCallName } from '../protocol/host-api.js';
import type { AsyncOp } from './ops.js';
import { syncCalls } from './sync-calls.js';
import { FETCH_HANDLERS } from './fetch.js';
import { ZLIB_HANDLERS } from './compression.js';
import { CRYPTO_HANDLERS } from './crypto.js';

/** Synchronous calls (`call(name, …)`) that any isolate may make. */
export const SYNC_CALL_HANDLERS: Readonly<Record<SyncCallName, (...args: unknown[]) => unknown>> = syncCalls;

/** Async ops (`send('op', …)`) by name. */
export const OP_HANDLERS: ReadonlyMap<string, AsyncOp> = new Map<OpName, AsyncOp>([
  ...(Object.entries(FETCH_HANDLERS) as [OpName, AsyncOp][]),
  ...(Object.entries(ZLIB_HANDLERS) as [OpName, AsyncOp][]),
  ...(Object.entries(CRYPTO_HANDLERS) as [OpName, AsyncOp][]),
]);
