// The listening address, checked before the slow part of start-up. Opening the database (PGlite's
// first start creates a cluster), migrating and reaching Redis take seconds; a port that is already
// taken would otherwise be reported only after all of it, when the app finally listens. Binding
// the address for a moment at the start says so at once. The app's own listen can still fail (the
// port taken in between): it is reported in the same words.
import { createServer } from 'node:net';

export class ListenError extends Error {}

/** `error` from binding `host:port` in words naming the settings, or undefined for another error. */
export function describeListenError(error: unknown, port: number, host: string): string | undefined {
  switch ((error as { code?: string } | undefined)?.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use (PORT, HOST)`;
    case 'EACCES':
      return `not permitted to listen on port ${port} on ${host} (PORT, HOST): ports below 1024 need privileges`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine (HOST)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${JSON.stringify(host)} does not resolve (HOST)`;
    default:
      return undefined;
  }
}

/** Runs `listen`, turning a failure to bind `host:port` into a ListenError naming the settings. */
export async function listenOrExplain<T>(listen: () => Promise<T>, port: number, host: string): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const message = describeListenError(error, port, host);
    throw message === undefined ? error : new ListenError(message, { cause: error });
  }
}

/** Throws a ListenError when `host:port` cannot be bound now. Port 0 (any free port) always can. */
export async function assertCanListen(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  await listenOrExplain(
    () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, exclusive: true }, resolve);
      }),
    port,
    host,
  );
  await new Promise((resolve) => server.close(resolve));
}
