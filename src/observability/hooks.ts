// Observation points of the request path. They do nothing by default, so core code never asks
// whether anyone listens; the metrics module supplies a real implementation.
export interface Hooks {
  isolateCreated(app: string, ms: number): void;
  requestStart(app: string): void;
  responseStart(app: string, status: number): void;
  requestEnd(app: string, cpuMs: number): void;
  cpu(app: string, ms: number): void;
  restart(app: string, reason: string): void;
  evicted(app: string): void;
}

export const noopHooks: Hooks = {
  isolateCreated() {},
  requestStart() {},
  responseStart() {},
  requestEnd() {},
  cpu() {},
  restart() {},
  evicted() {},
};
