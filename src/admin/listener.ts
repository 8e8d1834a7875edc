// Starting and stopping an admin HTTP listener (the single-process admin API and the
// supervisor's): bind errors become config errors that say what to fix.
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on host:port; resolves with the bound address (port 0 picks one). */
export async function listenAdmin(http: HttpServer, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    // The server module is imported only on this error path: the supervisor, which has an admin
    // listener, does not load the server and isolated-vm.
    http.once('error', (err: NodeJS.ErrnoException) => void import('../server/server.js').then((m) => reject(m.listenError(err, 'admin', host, port)), reject));
    http.listen(port, host, () => {
      http.removeAllListeners('error');
      resolve();
    });
  });
  return http.address() as AddressInfo;
}

/** Stops accepting and closes idle connections; requests in flight finish first. */
export function closeAdmin(http: HttpServer): Promise<void> {
  return new Promise<void>((resolve) => {
    http.close(() => resolve());
    http.closeIdleConnections();
  });
}
