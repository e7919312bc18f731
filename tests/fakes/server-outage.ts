/**
 * Outages for the fake platform APIs: a server stops listening (open connections cut) and
 * later listens again on the same port, so a client sees connection refused, then the API back.
 */
import type { Server } from 'node:http';

/** Stops listening and cuts every open connection (a long poll in flight included). */
export function stopListening(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Listens again on `port` of 127.0.0.1 after stopListening(). */
export function listenAgain(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
