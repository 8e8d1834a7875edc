// What an asynchronous host op is: a function an isolate starts with `send('op', id, name, args)`,
// answered by entering the isolate with Entry.complete. Each op validates its arguments itself;
// registry.ts lists them all.

/** What an op knows about the app that started it. */
export interface OpContext {
  readonly appName: string;
  /**
   * Host-side state an op family keeps for one isolate (e.g. CryptoKey material), each family
   * under its own symbol. Cleared when the isolate is disposed.
   */
  readonly isolateState: Map<symbol, unknown>;
  /** The request the isolate turn that started the op worked for (0: none). */
  readonly origin: number;
}

export type AsyncOp = (args: unknown[], ctx: OpContext) => Promise<unknown>;

/** Error names that reach the isolate; anything else becomes a TypeError with a clean message. */
export class OpError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
