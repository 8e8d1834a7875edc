// Closes a draining listener's connections without resetting a request the client already sent:
// a connection with a request in progress is left to its response (sent with Connection: close),
// and an idle keep-alive connection is closed only once it has stayed quiet for a while.
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long an idle connection must stay quiet before a drain closes it. A client at full speed
 * sends its next request within a few milliseconds of the last response, so a connection quiet for
 * this long belongs to a client that is not sending; closing it then is the ordinary keep-alive
 * timeout race every HTTP client handles, not a reset of a request already on the wire.
 */
export const QUIET_BEFORE_CLOSE_MS = 300;
const CHECK_EVERY_MS = 25;

interface Conn {
  busy: number;
  /** When the connection last became idle (accepted, or its last response ended). */
  since: number;
  /** The `since` seen idle at the previous check: closing needs two checks with an I/O turn between. */
  candidate: number;
}

export class ConnectionWatch {
  readonly #conns = new Map<Socket, Conn>();

  constructor(http: HttpServer) {
    http.on('connection', (socket: Socket) => {
      this.#conns.set(socket, { busy: 0, since: performance.now(), candidate: -1 });
      socket.once('close', () => this.#conns.delete(socket));
    });
    http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const c = this.#conns.get(req.socket);
      if (c === undefined) return;
      c.busy++;
      res.once('close', () => {
        c.busy--;
        c.since = performance.now();
      });
    });
  }

  /** Open connections now. */
  get size(): number {
    return this.#conns.size;
  }

  /**
   * Resolves when every connection has closed. Busy connections close themselves after their
   * response (the drain marks them Connection: close); idle ones are closed here once quiet for
   * QUIET_BEFORE_CLOSE_MS and still idle at a later check (a request already read by then has made
   * them busy). At `deadline` (performance.now() time) whatever is left is destroyed; the result
   * is how many were.
   */
  closeWhenQuiet(deadline: number): Promise<number> {
    return new Promise((resolve) => {
      const check = (): void => {
        const now = performance.now();
        if (now >= deadline) {
          const n = this.#conns.size;
          for (const s of this.#conns.keys()) s.destroy();
          resolve(n);
          return;
        }
        for (const [socket, c] of this.#conns) {
          if (c.busy > 0 || now - c.since < QUIET_BEFORE_CLOSE_MS) continue;
          if (c.candidate === c.since) socket.destroy();
          else c.candidate = c.since;
        }
        if (this.#conns.size === 0) resolve(0);
        else setTimeout(check, CHECK_EVERY_MS);
      };
      check();
    });
  }
}
