// Decoders for the values the guest hands back to the host (bridge.ts describes the shapes). The
// guest shares its realm with tenant code, which can patch any global before the runtime looks at a
// value (`Uint8Array[Symbol.hasInstance]`, a `byteLength` getter), so whatever arrives is checked
// here by type and bound in the host's own realm. A decoder returns null for a value that breaks
// the contract: the caller treats that as a protocol violation of that app.
import { MAX_GUEST_MESSAGE } from './limits.js';

/** A body batch from Entry.bodyTake, as the host may use it. */
export interface TakenChunks {
  readonly chunks: readonly Uint8Array[];
  readonly bytes: number;
  readonly done: boolean;
  readonly error: string | null;
}

function guestMessage(v: unknown): string | null {
  return typeof v === 'string' ? v.slice(0, MAX_GUEST_MESSAGE) : null;
}

/** Decodes a WireChunks copy: real typed arrays only (a copy made in the host's realm). */
export function decodeWireChunks(v: unknown): TakenChunks | null {
  if (typeof v !== 'object' || v === null) return null;
  const { chunks, done, error } = v as { chunks?: unknown; done?: unknown; error?: unknown };
  if (!Array.isArray(chunks) || typeof done !== 'boolean' || (error !== null && typeof error !== 'string')) return null;
  let bytes = 0;
  for (const c of chunks as unknown[]) {
    if (!(c instanceof Uint8Array)) return null;
    bytes += c.byteLength;
  }
  return { chunks: chunks as Uint8Array[], bytes, done, error: guestMessage(error) };
}

/** The arguments of `call('respond', …)`, checked; null when any breaks the contract. */
export interface RespondValues {
  readonly id: number;
  readonly status: number;
  readonly statusText: string;
  readonly headers: string;
  readonly body: string | Uint8Array | null;
  readonly bodyStream: number;
}
export function decodeRespond(id: unknown, status: unknown, statusText: unknown, headers: unknown, body: unknown, bodyStream: unknown): RespondValues | null {
  if (!Number.isSafeInteger(id) || !Number.isInteger(status) || typeof statusText !== 'string' || typeof headers !== 'string' || !Number.isSafeInteger(bodyStream)) return null;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) return null;
  return { id: id as number, status: status as number, statusText, headers, body, bodyStream: bodyStream as number };
}
