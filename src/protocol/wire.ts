// Decoders for the values the guest hands back to the host (bridge.ts describes the shapes). The
// guest shares its realm with tenant code, which can patch any global before the runtime looks at a
// value (`Uint8Array[Symbol.hasInstance]`, a `byteLength` getter), so whatever arrives is checked
// here by type and bound in the host's own realm. A decoder returns null for a value that breaks
// the contract: the caller treats that as a protocol violation of that app.
import type { WindowTake } from './bridge.js';

/** Longest error text the host keeps from a guest value (it goes to the log, never to a client). */
export const MAX_GUEST_MESSAGE = 4096;

/** A body batch from Entry.bodyTake, as the host may use it. */
export interface TakenChunks {
  readonly chunks: readonly Uint8Array[];
  readonly bytes: number;
  readonly done: boolean;
  readonly error: string | null;
}

/** A window take from Entry.bodyTakeInto, as the host may use it. */
export interface TakenWindow {
  /** Bytes the guest copied into the window, 0 ≤ n ≤ the space offered. */
  readonly n: number;
  /** The stream ended (cleanly when `error` is null) after these bytes. */
  readonly ended: boolean;
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

/** Decodes a WindowTake for a take offered `max` bytes of window space. */
export function decodeWindowTake(r: WindowTake | unknown, max: number): TakenWindow | null {
  if (typeof r === 'number') {
    if (!Number.isSafeInteger(r)) return null;
    const n = r < 0 ? -r - 1 : r;
    return n <= max ? { n, ended: r < 0, error: null } : null;
  }
  if (typeof r !== 'string') return null;
  const nl = r.indexOf('\n');
  const head = nl < 0 ? '' : r.slice(0, nl);
  if (!/^\d{1,10}$/.test(head)) return null;
  const n = Number(head);
  return n <= max ? { n, ended: true, error: r.slice(nl + 1, nl + 1 + MAX_GUEST_MESSAGE) } : null;
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
