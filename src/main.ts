// Start-up: configuration → storage → migrations → app → listen, and a graceful shutdown that
// stops accepting, lets in-flight requests finish and closes the pools.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { runPrimary } from './cluster.ts';
import type { Config } from './config.ts';
import { ConfigError, loadConfig, weakSecretWarnings } from './config.ts';
import { MIRRORED_PREFIXES } from './mirrored-keys.ts';
import {
  assertSchemaCurrent,
  createDatabase,
  explainingConnectionErrors,
  migrate,
} from './platform/db/index.ts';
import { assertCanListen, listenOrExplain } from './platform/listen.ts';
import { loggerOptions } from './platform/logging.ts';
import { answerInstanceMetrics } from './platform/metrics-cluster.ts';
import type { SecretsOutcome } from './platform/secrets.ts';
import { withDevelopmentSecrets } from './platform/secrets.ts';
import type { StateStore } from './platform/store/index.ts';
import {
  checkEvictionPolicy,
  createStore,
  StoreUnavailableError,
  stateStoreSetting,
} from './platform/store/index.ts';
import { loadConsoleFiles } from './platform/web-console.ts';

/**
 * What the settings mean for this start, said once per instance (by the primary with WORKERS > 1):
 * secrets generated just now (a warning), or read from DATA_DIR (one info line); weak secrets.
 */
function reportSecrets(log: FastifyBaseLogger, secrets: SecretsOutcome): void {
  const { fromFile, file, created } = secrets;
  if (created) {
    log.warn(
      { settings: fromFile, file },
      'development secrets generated and kept in DATA_DIR; set them explicitly for any real deployment',
    );
  } else if (fromFile.length > 0) {
    log.info({ settings: fromFile, file }, "development secrets read from DATA_DIR's secrets.json");
  }
  for (const { variable, message } of weakSecretWarnings(secrets.config)) {
    log.warn({ setting: variable }, `weak secret: ${message}`);
  }
}

/** Whether the state store answers now; the in-process store always does. */
async function stateStoreAnswers(store: StateStore): Promise<boolean> {
  try {
    await store.ping();
    return true;
  } catch (error) {
    if (error instanceof StoreUnavailableError) return false;
    throw error;
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tradewise: configuration error: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  // A taken port is said at once, not after the database and Redis (the workers share the
  // primary's check and socket).
  if (!cluster.isWorker) await assertCanListen(config.port, config.host ?? '127.0.0.1');
  // One logger for the process (the app logs through it too), the cluster primary's included.
  const log: FastifyBaseLogger = pino(loggerOptions(config.logLevel));
  const secrets = withDevelopmentSecrets(config);
  config = secrets.config;
  if (!cluster.isWorker) reportSecrets(log, secrets);
  if (config.workers > 1 && cluster.isPrimary) {
    runPrimary(config, log);
    return;
  }

  if (cluster.isWorker) answerInstanceMetrics();
  const db = await createDatabase(config);
  const store = createStore(config, { mirroredPrefixes: MIRRORED_PREFIXES });
  const storeSetting = stateStoreSetting(config);
  const stateStoreAvailable = await stateStoreAnswers(store);
  if (stateStoreAvailable) {
    // An evicting Redis can drop revocations: refused in production, a loud warning elsewhere.
    await checkEvictionPolicy(store, { production: config.production, log });
  } else {
    log.warn(
      { state_store: 'unavailable', setting: storeSetting?.variable, target: storeSetting?.target },
      `state store unavailable at start-up (${storeSetting?.variable} ${storeSetting?.target}): /ready ` +
        'and every request that carries an access token (log-out included) answer 503 until it is ' +
        'back (revocations cannot be checked without it); /health, the docs, registration, log-in ' +
        'and refresh keep working, with rate limits counted per instance. Its maxmemory-policy is ' +
        'not checked.',
    );
  }
  // The schema owner's connections (MIGRATION_DATABASE_URL when set) migrate; the requests' pool
  // (DATABASE_URL) is opened after. A failure to connect names the variable whose URL it was.
  const owner = config.migrationDatabaseUrl
    ? { variable: 'MIGRATION_DATABASE_URL', url: config.migrationDatabaseUrl }
    : { variable: 'DATABASE_URL', url: config.databaseUrl };
  if (config.migrateOnStart) {
    const { applied, warnings } = await explainingConnectionErrors(owner, () => migrate(db));
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    for (const warning of warnings) log.warn(warning);
  } else {
    // Migrations are a release step of their own (`npx tradewise migrate`): an older schema stops here.
    await explainingConnectionErrors(owner, () => assertSchemaCurrent(db));
  }
  // Opens the request pool: a runtime role that could leave its scope stops start-up here.
  await explainingConnectionErrors({ variable: 'DATABASE_URL', url: config.databaseUrl }, () => db.ping());
  // Built once the schema is current: the state store's re-seed (registered here) reads it.
  // dist/web, one folder up from both src/main.ts and the bundle dist/main.js.
  const consoleFiles = loadConsoleFiles(fileURLToPath(new URL('../dist/web/', import.meta.url)));
  if (consoleFiles === undefined) log.warn('web console not built (npm run build): / redirects to /docs');
  const app = await buildApp({
    config,
    db,
    store,
    logger: log,
    clusterWorker: cluster.isWorker,
    controlSocket: db.kind === 'pglite',
    ...(consoleFiles === undefined ? {} : { console: consoleFiles }),
  });

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    try {
      // Fastify stops accepting, drops idle keep-alive connections and waits for in-flight requests.
      await app.close();
      await Promise.allSettled([db.close(), store.close()]);
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await listenOrExplain(
    () => app.listen({ port: config.port, host: config.host }),
    config.port,
    config.host ?? '127.0.0.1',
  );
  app.log.info(
    {
      shape: config.databaseUrl ? 'server' : 'embedded',
      database: db.kind,
      state_store: store.kind,
      state_store_available: stateStoreAvailable,
      tls: config.tlsCertFile !== undefined,
    },
    'tradewise ready',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`tradewise: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
