// The window take (Entry.bodyTakeInto): the guest copies response-body bytes into the host's
// shared window and answers with one primitive saying how many and whether the stream ended.
// Encoder (guest) and decoder (host) live together so the format has one definition.
import { MAX_GUEST_MESSAGE } from './limits.js';

/**
 * What `bodyTakeInto` returns, primitives only: n >= 0 when n bytes were copied into the window and
 * the stream goes on; -(n + 1) when it ended cleanly after these n bytes; the string
 * `${n}\n${message}` when it failed after them.
 */
export type WindowTake = number | string;

/** A window take as the host may use it. */
export interface TakenWindow {
  /** Bytes the guest copied into the window, 0 ≤ n ≤ the space offered. */
  readonly n: number;
  /** The stream ended (cleanly when `error` is null) after these bytes. */
  readonly ended: boolean;
  readonly error: string | null;
}

/** Guest side: `n` bytes copied; `ended` when the stream is finished, with `error` if it failed. */
export function encodeWindowTake(n: number, ended: boolean, error: string | null): WindowTake {
  if (!ended) return n;
  return error === null ? -(n + 1) : `${n}\n${error}`;
}

/** Host side: decodes a take that was offered `max` bytes of window space; null breaks the contract. */
export function decodeWindowTake(r: unknown, max: number): TakenWindow | null {
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
