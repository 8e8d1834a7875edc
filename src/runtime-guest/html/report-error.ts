// reportError and the runtime's "report the exception"
// (https://html.spec.whatwg.org/multipage/webappapis.html#report-the-exception): an 'error'
// ErrorEvent is dispatched on the global; unless a listener cancels it, the error goes to the
// host log as an uncaught error. Errors thrown by listeners and timers take the same path.
import { hostSend } from '../core/host.js';
import { Signal } from '../../protocol/bridge.js';
import { ErrorEvent, dispatch, markTrusted, type EventTarget } from '../events/events.js';
import { inspect } from '../console/console.js';
import { requiredArguments } from '../core/webidl.js';
import { ArrayIsArray } from '../core/primordials.js';

let reporting = false;

const errorIsError = (Error as unknown as { isError?: (v: unknown) => boolean }).isError ?? ((v: unknown) => v instanceof Error);
const FRAME = /\n\s+at (?:.*?\()?(.+?):(\d+):(\d+)\)?(?=\n|$)/g;

/** A stack's first frame outside the runtime itself, for ErrorEvent's filename/lineno/colno. */
function location(stack: string): { filename: string; lineno: number; colno: number } | undefined {
  for (const m of stack.matchAll(FRAME)) {
    if (!(m[1] as string).startsWith('nano:')) return { filename: m[1] as string, lineno: Number(m[2]), colno: Number(m[3]) };
  }
  return undefined;
}

/** The error's own stack for Error objects, else `callSite` (where reportError was called). */
function stackOf(err: unknown, callSite: string): string {
  if (errorIsError(err)) {
    try {
      const stack = (err as Error).stack;
      if (typeof stack === 'string') return stack;
    } catch {
      // A throwing `stack` accessor: use the call site.
    }
  }
  return callSite;
}

/**
 * A one-line description that runs no app code: only real Error objects are asked for their
 * name and message; other objects are described without reading their properties.
 */
function describe(err: unknown): string {
  if (errorIsError(err)) {
    try {
      return `${String((err as Error).name)}: ${String((err as Error).message)}`;
    } catch {
      return 'Error';
    }
  }
  if (typeof err === 'object' && err !== null) return ArrayIsArray(err) ? 'Array' : 'object';
  if (typeof err === 'function') return 'function';
  return typeof err === 'string' ? err : typeof err === 'symbol' ? err.toString() : String(err);
}

/**
 * Reports an exception: event first, then the log if nobody handled it. `callSite` is a stack
 * taken where the exception surfaced, for values that carry no stack of their own.
 */
export function reportException(err: unknown, callSite = new Error().stack ?? ''): void {
  let notHandled = true;
  const stack = stackOf(err, callSite);
  // An error thrown while an 'error' listener runs is logged, never re-dispatched.
  if (!reporting) {
    reporting = true;
    try {
      const where = location(stack) ?? { filename: '', lineno: 0, colno: 0 };
      const event = new ErrorEvent('error', { cancelable: true, message: `Uncaught ${describe(err)}`, error: err, ...where });
      markTrusted(event);
      notHandled = dispatch(globalThis as unknown as EventTarget, event);
    } finally {
      reporting = false;
    }
  }
  if (notHandled) {
    const text = errorIsError(err) ? stack : `Uncaught ${inspect(err)}${stack.slice(stack.indexOf('\n'))}`;
    hostSend(Signal.uncaught, 0, describe(err), text);
  }
}

/** https://html.spec.whatwg.org/multipage/webappapis.html#dom-reporterror */
export function reportError(e: unknown): void {
  requiredArguments(arguments.length, 1, "Failed to execute 'reportError'");
  // The call site: the frame below this function is the app's call of reportError.
  const site = new Error().stack ?? '';
  const below = site.indexOf('\n', site.indexOf('\n') + 1);
  reportException(e, below < 0 ? '' : `Error${site.slice(below)}`);
}
