// Feeds a request's body into the guest's request body stream, one chunk per pull of the guest's
// (Signal.bodyPull), counting it against the app's maxBodyBytes.
import { Entry } from '../protocol/bridge.js';
import type { LimitEnforcer } from './limit-enforcer.js';
import type { InFlight, RequestEnds } from './in-flight.js';

/** Answers one pull (or a cancel) of request `f`'s body stream. */
export function feedRequestBody(f: InFlight, cancel: boolean, limits: LimitEnforcer, ends: RequestEnds): void {
  if (f.bodyPiped) return;
  const id = f.id;
  const req = f.req;
  if (cancel) {
    f.bodyOpen = false;
    req.resume();
    return;
  }
  const push = (chunk: Buffer | null | string): void => {
    if (typeof chunk !== 'object' || chunk === null) f.bodyOpen = false;
    const entered = typeof chunk === 'object' && chunk !== null ? f.isolate.pushBytes(id, chunk, id, ends.entryTimeout(id)) : f.isolate.enter(Entry.bodyPush, id, chunk, id, ends.entryTimeout(id));
    entered.catch((err: unknown) => ends.entryFailed(id, err));
  };
  const tryRead = (): void => {
    f.bodyWaiting = false;
    if (f.finished) return;
    const chunk = req.read() as Buffer | null;
    if (chunk !== null) {
      f.bodyBytes += chunk.byteLength;
      if (limits.bodyTooLarge(f.bodyBytes)) {
        // Answer 413 first: erroring the app's body stream makes a handler that awaits it fail,
        // and its error must not become the response.
        if (!f.responded) ends.finishWithError(f, 'NANO_ERR_BODY_TOO_LARGE', `request body over ${limits.limits.maxBodyBytes} bytes`);
        push('request body too large');
        return;
      }
      push(chunk);
    } else if (req.readableEnded) {
      push(null);
    } else if (req.errored !== null || req.destroyed) {
      push('request body aborted');
    } else if (!f.bodyWaiting) {
      f.bodyWaiting = true;
      const again = (): void => {
        req.off('readable', again);
        req.off('end', again);
        req.off('close', again);
        tryRead();
      };
      req.on('readable', again);
      req.on('end', again);
      req.on('close', again);
    }
  };
  tryRead();
}
