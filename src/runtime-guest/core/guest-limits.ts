// The app's limits that the guest applies itself (console rate, WebAssembly memory), asked of
// the host once per isolate on first use (`call('limits')`, WireGuestLimits in protocol/bridge.ts).
import { hostCall } from './host.js';
import type { WireGuestLimits } from '../../protocol/bridge.js';

let limits: WireGuestLimits | null = null;

export function guestLimits(): WireGuestLimits {
  if (limits !== null) return limits;
  let l: unknown = null;
  try {
    l = hostCall<unknown>('limits');
  } catch {
    // A host without the call (a bare RuntimeIsolate in tests): the host's own limits apply.
  }
  const ok = Array.isArray(l) && l.length === 4 && l.every((v) => typeof v === 'number' && v > 0);
  limits = ok ? (l as WireGuestLimits) : [Infinity, Infinity, Infinity, Infinity];
  return limits;
}
