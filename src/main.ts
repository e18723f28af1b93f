// Start-up: configuration → storage → migrations → app → listen, and a graceful shutdown that
// stops accepting, lets in-flight requests finish and closes the pools.
import cluster from 'node:cluster';
import { buildApp } from './app.ts';
import { runPrimary } from './cluster.ts';
import { ConfigError, loadConfig } from './config.ts';
import { MIRRORED_PREFIXES } from './mirrored-keys.ts';
import { assertSchemaCurrent, createDatabase, migrate } from './platform/db/index.ts';
import { answerInstanceMetrics } from './platform/metrics-cluster.ts';
import { withDevelopmentSecrets } from './platform/secrets.ts';
import { checkEvictionPolicy, createStore } from './platform/store/index.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tradewise: configuration error: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const secrets = withDevelopmentSecrets(config);
  config = secrets.config;
  if (config.workers > 1 && cluster.isPrimary) {
    runPrimary(config, (message) => process.stderr.write(`tradewise: ${message}\n`));
    return;
  }

  if (cluster.isWorker) answerInstanceMetrics();
  const db = await createDatabase(config);
  const store = createStore(config, { mirroredPrefixes: MIRRORED_PREFIXES });
  const app = await buildApp({
    config,
    db,
    store,
    clusterWorker: cluster.isWorker,
    controlSocket: db.kind === 'pglite',
  });
  // An evicting Redis can drop revocations: refused in production, a loud warning elsewhere.
  await checkEvictionPolicy(store, { production: config.production, log: app.log });
  if (secrets.generated.length > 0) {
    app.log.warn(
      { settings: secrets.generated, file: secrets.file },
      'development secrets generated and kept in DATA_DIR; set them explicitly for any real deployment',
    );
  }
  if (config.migrateOnStart) {
    const { applied, warnings } = await migrate(db);
    if (applied.length > 0) app.log.info({ applied }, 'migrations applied');
    for (const warning of warnings) app.log.warn(warning);
  } else {
    // Migrations are a release step of their own (`npx tradewise migrate`): an older schema stops here.
    await assertSchemaCurrent(db);
  }
  // Opens the request pool: a runtime role that could leave its scope stops start-up here.
  await db.ping();

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

  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    {
      shape: config.databaseUrl ? 'server' : 'embedded',
      database: db.kind,
      state_store: store.kind,
      tls: config.tlsCertFile !== undefined,
    },
    'tradewise ready',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`tradewise: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
