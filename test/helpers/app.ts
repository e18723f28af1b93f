// Test wiring: the real app over the storage shape the environment selects. With DATABASE_URL /
// REDIS_URL set (CI's second run) tests use that PostgreSQL database and Redis; otherwise an
// in-memory PGlite and the in-process store. Every test makes its own tenants, and every Redis
// store gets its own key prefix, so test files can share one database and one Redis.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { loadConfig } from '../../src/config.ts';
import { MIRRORED_PREFIXES } from '../../src/mirrored-keys.ts';
import type { Database } from '../../src/platform/db/index.ts';
import { migrate } from '../../src/platform/db/index.ts';
import { createPgliteDatabase } from '../../src/platform/db/pglite.ts';
import { createPostgresDatabase } from '../../src/platform/db/postgres.ts';
import type { StateStore } from '../../src/platform/store/index.ts';
import { createMemoryStore } from '../../src/platform/store/memory.ts';
import { createRedisStore } from '../../src/platform/store/redis.ts';
import type { ConsoleFiles } from '../../src/platform/web-console.ts';

export const serverShape = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';
export const redisShape = process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '';

/**
 * The `skip` of a suite that always runs the embedded shape, whatever DATABASE_URL says (it spawns
 * the service or the command line on a data directory of its own). In the run with DATABASE_URL
 * set (CI's second) it would repeat the first run's work exactly, so it skips, saying where it ran.
 */
export const embeddedRunOnly: string | false = serverShape
  ? 'always the embedded shape: covered by the run without DATABASE_URL'
  : false;

export const TEST_SECRET_KEY = 'test-secret-key-that-is-long-enough-0123456789';
export const TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** A validated config as production code would load it, with test-friendly defaults. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    SECRET_KEY: TEST_SECRET_KEY,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    PASSWORD_HASH_COST: '4',
    LOG_LEVEL: 'silent',
    // Every request of a test comes from one address: thresholds are raised so that only the
    // tests of limits and detectors (which set their own) ever reach them.
    LOGIN_RATE_LIMIT: '100000/minute',
    REGISTER_RATE_LIMIT: '100000/minute',
    REFRESH_RATE_LIMIT: '100000/minute',
    TEST_CONNECTION_RATE_LIMIT: '100000/minute',
    TENANT_TEST_CONNECTION_RATE_LIMIT: '100000/minute',
    BRUTE_FORCE_MAX_ATTEMPTS: '100000',
    SUSPICIOUS_API_CALLS_PER_MINUTE: '100000',
    // Like the thresholds above: every request of a test comes from one address, so tests read
    // each refusal's own row. The flood rule's own tests set SECURITY_EVENT_FOLD_SECONDS=60.
    SECURITY_EVENT_FOLD_SECONDS: '0',
    DATA_DIR: `/tmp/tradewise-test-${randomUUID()}`,
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    ...env,
  });
}

export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<Database> {
  const db = serverShape
    ? createPostgresDatabase({ url: process.env.DATABASE_URL as string, poolSize: options.poolSize ?? 5 })
    : await createPgliteDatabase({});
  await migrate(db);
  return db;
}

export function createTestStore(): StateStore {
  return redisShape
    ? createRedisStore({
        mirroredPrefixes: MIRRORED_PREFIXES,
        url: process.env.REDIS_URL as string,
        keyPrefix: `tw-test:${randomUUID()}:`,
      })
    : createMemoryStore();
}

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  store: StateStore;
  config: Config;
  close(): Promise<void>;
}

/** Builds the app (not yet ready, so a test may add routes) over fresh test storage. */
export async function buildTestApp(
  env: Record<string, string | undefined> = {},
  overrides: { db?: Database; store?: StateStore; logger?: FastifyBaseLogger; console?: ConsoleFiles } = {},
): Promise<TestApp> {
  const config = testConfig(env);
  const db = overrides.db ?? (await createTestDatabase());
  const store = overrides.store ?? createTestStore();
  const app = await buildApp({
    config,
    db,
    store,
    logger: overrides.logger ?? pino({ level: 'silent' }),
    ...(overrides.console === undefined ? {} : { console: overrides.console }),
  });
  return {
    app,
    db,
    store,
    config,
    async close() {
      await app.close();
      await Promise.allSettled([
        overrides.db ? undefined : db.close(),
        overrides.store ? undefined : store.close(),
      ]);
    },
  };
}
