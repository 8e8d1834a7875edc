// The error of an admin request refused before it is tried, and the code and problem lines of a
// config that does not validate. Kept apart from the Reloader so the supervisor, which validates
// configs and admin changes but builds no app, does not load the server and isolated-vm.
import { ConfigError, formatProblem } from '../config/load.js';
import { NanoError, type ErrorCode } from '../errors/registry.js';

/** An admin request the reloader refuses before trying it (bad body, unknown or duplicate app). */
export class AdminRequestError extends NanoError {
  readonly problems: readonly string[];
  constructor(code: ErrorCode, message: string, problems: string[] = []) {
    super(code, message);
    this.name = 'AdminRequestError';
    this.problems = problems;
  }
}

/** Error code and problem lines of a config or admin error: never a stack, never a secret value. */
export function describeConfigError(err: unknown): { code: ErrorCode; problems: string[] } {
  if (err instanceof ConfigError) return { code: err.code, problems: err.problems.map(formatProblem) };
  if (err instanceof NanoError) return { code: err.code, problems: err.message.split('\n') };
  return { code: 'NANO_ERR_INTERNAL', problems: [err instanceof Error ? err.message : String(err)] };
}

/** Code and problem lines of a failed admin change: an AdminRequestError's own, else `describe`'s. */
export function describeAdminError(err: unknown, describe: (err: unknown) => { code: ErrorCode; problems: string[] } = describeConfigError): { code: ErrorCode; problems: string[] } {
  return err instanceof AdminRequestError ? { code: err.code, problems: err.problems.length > 0 ? [...err.problems] : [err.message] } : describe(err);
}
