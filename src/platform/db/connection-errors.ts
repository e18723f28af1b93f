// What went wrong connecting to PostgreSQL, in a start-up message that names the variable whose
// URL it was: `cannot connect to PostgreSQL at 127.0.0.1:5433 (DATABASE_URL): connection refused`.
// The address is the URL's host and port only, never its user or password.
import pg from 'pg';

/** The socket errors Node reports for a server it cannot reach, in words. */
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is PostgreSQL running, and on this port?)',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/** SQLSTATE classes PostgreSQL answers a login with: authentication, unknown database, not now. */
const LOGIN_REFUSALS = /^(28|3D|08|53300|57P03)/;

/** `host:port` of a PostgreSQL URL (5432 when it names none). */
export function databaseAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
}

/**
 * The reason `error` says a connection to `url` failed, or undefined for an error that is not about
 * connecting (a failed migration, say), which then keeps its own message.
 */
function connectionReason(error: unknown, url: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code } = error as { code?: string };
  if (error instanceof pg.DatabaseError) {
    // PostgreSQL's own words (`password authentication failed for user "app"`, `database "x"
    // does not exist`): they name the user or database, never the password.
    return code !== undefined && LOGIN_REFUSALS.test(code) ? error.message : undefined;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `the host name ${JSON.stringify(new URL(url).hostname)} does not resolve (DNS: ${code})`;
  }
  if (code !== undefined && NETWORK_REASONS[code] !== undefined) return NETWORK_REASONS[code];
  if (
    /timeout exceeded when trying to connect|Connection terminated due to connection timeout/.test(
      error.message,
    )
  ) {
    return 'the connection timed out (is this host and port PostgreSQL?)';
  }
  if (/Connection terminated unexpectedly/.test(error.message)) {
    return 'the server closed the connection (is this port PostgreSQL?)';
  }
  if (/does not support SSL|SSL/.test(error.message)) return error.message;
  return undefined;
}

/**
 * `cannot connect to PostgreSQL at host:port (VARIABLE): reason` when `error` is a failure to
 * connect to `url`; undefined otherwise.
 */
export function describeConnectionError(
  error: unknown,
  source: { variable: string; url: string },
): string | undefined {
  const reason = connectionReason(error, source.url);
  if (reason === undefined) return undefined;
  return `cannot connect to PostgreSQL at ${databaseAddress(source.url)} (${source.variable}): ${reason}`;
}

export class DatabaseConnectionError extends Error {}

/**
 * Runs start-up work on the connections of `source` (DATABASE_URL or MIGRATION_DATABASE_URL): a
 * failure to connect becomes a DatabaseConnectionError naming the variable; anything else (a
 * failed migration, a refused runtime role) passes through as it was. No URL (the embedded shape):
 * the work runs as it is.
 */
export async function explainingConnectionErrors<T>(
  source: { variable: string; url: string | undefined },
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const message =
      source.url === undefined ? undefined : describeConnectionError(error, { ...source, url: source.url });
    throw message === undefined ? error : new DatabaseConnectionError(message, { cause: error });
  }
}
