// Chooses the storage shape: PostgreSQL when DATABASE_URL is set, PGlite under DATA_DIR otherwise.
import type { Config } from '../../config.ts';
import { createPgliteDatabase } from './pglite.ts';
import { createPostgresDatabase } from './postgres.ts';
import type { Database } from './types.ts';

export {
  DatabaseConnectionError,
  describeConnectionError,
  explainingConnectionErrors,
} from './connection-errors.ts';
export type { MigrateResult } from './migrator.ts';
export { assertSchemaCurrent, migrate } from './migrator.ts';
export { assertSeesEveryTenant } from './owner-rights.ts';
export {
  epochMicros,
  epochMicrosExact,
  isoTimestamp,
  isoTimestampOrNull,
  isTimestampText,
  timestampTextSql,
} from './timestamps.ts';
export type { Database, Queryable, QueryResult, RuntimeLogin, Tx } from './types.ts';
export { EMBEDDED_RUNTIME_ROLE, isUuid } from './types.ts';

export async function createDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl !== undefined) {
    return createPostgresDatabase({
      url: config.databaseUrl,
      ...(config.migrationDatabaseUrl !== undefined ? { ownerUrl: config.migrationDatabaseUrl } : {}),
      poolSize: config.databasePoolSize,
    });
  }
  return createPgliteDatabase({ dataDir: config.dataDir });
}
