// How an app's error is described to the host: "Name: message" for the log line and the stack for
// the details; a thrown non-Error is inspected.
import { lazyUnit } from '../core/units.js';

const consoleUnit = lazyUnit<typeof import('../console/console.js')>('console');

export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return consoleUnit().inspect(err, 1);
}

export function errorStack(err: unknown): string {
  return err instanceof Error && typeof err.stack === 'string' ? err.stack : errorText(err);
}
