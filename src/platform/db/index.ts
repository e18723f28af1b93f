// Chooses the storage shape: PostgreSQL when DATABASE_URL is set, PGlite under DATA_DIR otherwise.
import type { Config } from '../../config.ts';
import { createPgliteDatabase } from './pglite.ts';
import { createPostgresDatabase } from './postgres.ts';
import type { Database } from './types.ts';

export { migrate } from './migrator.ts';
export { epochMicros, isoTimestamp, isoTimestampOrNull, timestampTextSql } from './timestamps.ts';
export type { Database, Queryable, QueryResult, Tx } from './types.ts';
export { isUuid, RUNTIME_ROLE } from './types.ts';

export async function createDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl !== undefined) {
    return createPostgresDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize });
  }
  return createPgliteDatabase({ dataDir: config.dataDir });
}
