// What an app version runs with, resolved from its config by the server (server.ts #settings):
// its limits (LimitEnforcer's AppLimits), its env, fetch policy, console limits and origin.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppLimits } from './limit-enforcer.js';
import type { Execution } from './runtime-isolate.js';
import type { FetchPolicy } from '../host-calls/fetch.js';
import type { LogLimits } from '../observability/log-limiter.js';

/** An app's resolved settings: its limits (LimitEnforcer's AppLimits) and the rest. */
export interface AppSettings extends AppLimits {
  readonly name: string;
  readonly idleEvictMs: number;
  readonly execution: 'auto' | Execution;
  /** The env as JSON (strings, JSON values and resolved secrets). */
  readonly envJson: string;
  /** Subrequest limits and network allow-list for fetch() (the schema's defaults when absent). */
  readonly fetch?: FetchPolicy;
  /** Console rate and line-size limits (the schema's defaults when absent). */
  readonly log?: LogLimits;
  /** Where a passed-through request goes (the app's `origin`); absent: NANO_ERR_NO_ORIGIN. */
  readonly origin?: OriginPass;
}

/** The app's origin and the server's forwarder (src/server/origin-pass.ts). */
export interface OriginPass {
  readonly url: string;
  /** Takes over the request and its response; `started(status)` when the origin's status is known. */
  readonly forward: (url: string, req: IncomingMessage, res: ServerResponse, started: (status: number) => void) => void;
}
