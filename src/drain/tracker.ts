// Exact per-app accounting of HTTP traffic. A request counts from the moment it is routed to an
// app until its response has finished or its connection closed, so a streaming response counts
// until its last byte. A connection belongs to the app of the last request it carried (a
// keep-alive socket can move between apps), so the per-app connection counts add up to the open
// sockets that carried a routed request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

interface AppTraffic {
  requests: number;
  readonly sockets: Set<Socket>;
}

/** Called once per tracked request: `status` is 0 when no complete response was sent. */
export type RequestDone = (status: number, ms: number) => void;

export class TrafficTracker {
  readonly #apps = new Map<string, AppTraffic>();
  readonly #socketApp = new WeakMap<Socket, string>();
  readonly #open = new Set<ServerResponse>();

  /** Starts counting `req` for `app`; `done` runs when its response finishes or is cut. */
  track(app: string, req: IncomingMessage, res: ServerResponse, done: RequestDone): void {
    const t = this.#get(app);
    t.requests++;
    this.#bindSocket(app, req.socket);
    this.#open.add(res);
    const start = performance.now();
    res.once('close', () => {
      this.#open.delete(res);
      t.requests--;
      this.#forgetIfEmpty(app);
      done(res.writableFinished ? res.statusCode : 0, performance.now() - start);
    });
  }

  #bindSocket(app: string, socket: Socket): void {
    const prev = this.#socketApp.get(socket);
    if (prev === app) return;
    if (prev === undefined) {
      socket.once('close', () => {
        const owner = this.#socketApp.get(socket);
        if (owner === undefined) return;
        this.#apps.get(owner)?.sockets.delete(socket);
        this.#forgetIfEmpty(owner);
      });
    } else {
      this.#apps.get(prev)?.sockets.delete(socket);
      this.#forgetIfEmpty(prev);
    }
    this.#socketApp.set(socket, app);
    this.#get(app).sockets.add(socket);
  }

  #get(app: string): AppTraffic {
    let t = this.#apps.get(app);
    if (t === undefined) {
      t = { requests: 0, sockets: new Set() };
      this.#apps.set(app, t);
    }
    return t;
  }

  /** Removed apps leave no entry behind once their last request and connection are gone. */
  #forgetIfEmpty(app: string): void {
    const t = this.#apps.get(app);
    if (t !== undefined && t.requests === 0 && t.sockets.size === 0) this.#apps.delete(app);
  }

  /** HTTP requests of `app` in flight now (all its versions, including refused ones being sent). */
  inflight(app: string): number {
    return this.#apps.get(app)?.requests ?? 0;
  }

  /** Open connections whose last request went to `app`. */
  connections(app: string): number {
    return this.#apps.get(app)?.sockets.size ?? 0;
  }

  /** Every response in flight, across apps (the shutdown drain marks them Connection: close). */
  responses(): IterableIterator<ServerResponse> {
    return this.#open.values();
  }
}
