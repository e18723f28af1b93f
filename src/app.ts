// The whole wiring in one screen: platform plugins in pipeline order, then the public context,
// then the authenticated context with the feature routes.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import Fastify, { LogController } from 'fastify';
import type { Config } from './config.ts';
import { auditRoutes } from './features/audit/audit.routes.ts';
import { auditHook } from './features/audit/audit-hook.ts';
import type { SecurityEventRecorder } from './features/audit/security-events.ts';
import { countSecurityEvents, createSecurityEventRecorder } from './features/audit/security-events.ts';
import { installActiveSessionsGauge } from './features/auth/active-sessions.ts';
import { authRoutes } from './features/auth/auth.routes.ts';
import { createAuthenticate, requireRole } from './features/auth/authenticate.ts';
import { logoutAllRoute } from './features/auth/logout.routes.ts';
import { restoreRevocations } from './features/auth/revocation.restore.ts';
import type { TokenService } from './features/auth/tokens.ts';
import { createTokenService } from './features/auth/tokens.ts';
import { botRoutes } from './features/bots/bots.routes.ts';
import { opsAuditVerifyRoutes } from './features/ops/audit-verify.routes.ts';
import { blockedIpRoutes } from './features/ops/blocked-ips.routes.ts';
import { healthRoutes } from './features/ops/health.routes.ts';
import { httpMetricsPlugin, metricsRoutes } from './features/ops/metrics.routes.ts';
import { opsSecurityEventRoutes } from './features/ops/security-events.routes.ts';
import { alertSecret, createAlertDispatcher } from './features/protection/alerts.ts';
import { createAutomatedResponse } from './features/protection/automated-response.ts';
import { createBruteForceLoginHooks } from './features/protection/brute-force.ts';
import type { IpBlocks } from './features/protection/ip-blocks.ts';
import { createIpBlocks } from './features/protection/ip-blocks.ts';
import { createKnownAddresses } from './features/protection/known-addresses.ts';
import type { LoginHooks } from './features/protection/login-hooks.ts';
import { createDefaultLoginHooks } from './features/protection/login-hooks.ts';
import type { RequestGate } from './features/protection/request-gate.ts';
import { createRequestGate } from './features/protection/request-gate.ts';
import { createUserThrottles } from './features/protection/throttles.ts';
import { subscriptionRoutes } from './features/subscriptions/subscriptions.routes.ts';
import { adminUserRoutes } from './features/users/admin.routes.ts';
import { meRoutes } from './features/users/me.routes.ts';
import { registerRoute } from './features/users/register.routes.ts';
import { withAfterCommit } from './platform/db/after-commit.ts';
import type { Database } from './platform/db/index.ts';
import type { InTenant } from './platform/db/tenant-transaction.ts';
import { createInTenant } from './platform/db/tenant-transaction.ts';
import { errorsPlugin, serviceUnavailable } from './platform/errors.ts';
import {
  clientErrorHandler,
  createServerFactory,
  frameworkErrors,
  hardeningPlugin,
  tlsOptions,
} from './platform/hardening/index.ts';
import { lazyChildLoggerFactory, loggerOptions } from './platform/logging.ts';
import type { Metrics } from './platform/metrics.ts';
import { createMetrics, watchStore } from './platform/metrics.ts';
import { openapiPlugin } from './platform/openapi.ts';
import { requestContextPlugin, requestIdFor } from './platform/request-context.ts';
import type { StateStore } from './platform/store/index.ts';
import { StoreUnavailableError } from './platform/store/index.ts';
import { createMemoryStore } from './platform/store/memory.ts';
import { compileValidator } from './platform/validation.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Database;
    store: StateStore;
  }
}

/** What feature plugins receive as options: the services they may use, nothing global. */
export interface AppDeps {
  config: Config;
  db: Database;
  store: StateStore;
  metrics: Metrics;
  tokens: TokenService;
  securityEvents: SecurityEventRecorder;
  authenticate: ReturnType<typeof createAuthenticate>;
  /** An onRequest hook: 403 and a security event unless the user has `role`. */
  requireRole(role: 'admin' | 'operator'): (request: FastifyRequest) => Promise<void>;
  /** Runs a handler's work in the request's tenant transaction, auditing mutations. */
  inTenant: InTenant;
  ipBlocks: IpBlocks;
  gate: RequestGate;
  /** Login's extension points (before the credential check, on failure, on success). */
  loginHooks: LoginHooks;
}

export interface BuildOptions {
  config: Config;
  db: Database;
  store: StateStore;
  /** A logger to use instead of building one (tests pass a silent one). */
  logger?: FastifyBaseLogger;
  /** Process-wide metrics (CPU, memory, event loop) are collected unless this is false. */
  processMetrics?: boolean;
  /** One of WORKERS > 1 node:cluster workers: /metrics then reports the instance as a whole. */
  clusterWorker?: boolean;
  /** How brute-force slowdowns wait (tests record the delays instead of sleeping). */
  sleep?: (ms: number) => Promise<void>;
}

export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config, store } = options;
  // Transactions accept work to run once they commit: state-store copies of what they made durable.
  const db = withAfterCommit(options.db);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: loggerOptions(config.logLevel) }),
    genReqId: requestIdFor,
    // A request's logger becomes a pino child only if something is logged through it.
    childLoggerFactory: lazyChildLoggerFactory,
    // One access-log line per request, written by request-context.ts, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // The client address is the socket peer unless that peer is a trusted proxy; then it is the
    // right-most X-Forwarded-For entry that is not itself trusted (proxy-addr's rule).
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { maxParamLength: 200 },
    // Requests arriving while the server closes get the contract's 503 from the hook below, not
    // Fastify's own body ({error, message, statusCode}).
    return503OnClosing: false,
    // Direct TLS when TLS_CERT_FILE/TLS_KEY_FILE are set; header-size and slow-client limits;
    // contract-shaped answers for what Node and the router refuse before any hook runs.
    serverFactory: createServerFactory(tlsOptions(config)),
    clientErrorHandler,
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.decorate('db', db);
  app.decorate('store', store);
  app.decorateRequest('auth', null);
  app.setValidatorCompiler(compileValidator);

  const metrics = createMetrics({
    collectProcessMetrics: options.processMetrics,
    clusterWorker: options.clusterWorker,
  });
  const securityEvents = createSecurityEventRecorder({
    db,
    log: app.log,
    floodWindowMs: config.securityEventFoldSeconds * 1000,
  });
  countSecurityEvents(securityEvents, metrics.securityEvents);
  // Events recorded by the last in-flight requests are stored before the pools close.
  app.addHook('onClose', async () => {
    await securityEvents.close();
  });
  const tokens = createTokenService({
    secretKeys: config.secretKey,
    expireMinutes: config.accessTokenExpireMinutes,
  });
  const inTenant = createInTenant({ db, hooks: [auditHook(metrics)] });
  const ipBlocks = createIpBlocks({ db, store });
  const throttles = createUserThrottles({ db, store });
  const alerts = config.alertWebhookUrl
    ? createAlertDispatcher({
        url: config.alertWebhookUrl,
        secret: alertSecret(config.alertWebhookSecret, config.secretKey),
        log: app.log,
        metrics,
        store,
      })
    : undefined;
  securityEvents.onEvent(
    createAutomatedResponse({
      config,
      store,
      metrics,
      ipBlocks,
      throttles,
      securityEvents,
      ...(alerts ? { alerts } : {}),
    }),
  );
  const fallbackStore = createMemoryStore();
  const gate = createRequestGate({ config, store, fallbackStore, metrics, securityEvents });
  const authenticate = createAuthenticate({ tokens, store, securityEvents, gate });
  app.addHook('onClose', async () => {
    await alerts?.drain();
    await fallbackStore.close();
  });
  const loginHooks = createBruteForceLoginHooks({
    config,
    store,
    fallbackStore,
    securityEvents,
    knownAddresses: createKnownAddresses({ db, store }),
    base: createDefaultLoginHooks({ securityEvents, metrics }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  installActiveSessionsGauge(metrics.activeSessions, db);
  watchStore(metrics, store);
  // The in-process store forgets revocations and blocks on restart, and a Redis that restarted,
  // failed over or was flushed may have lost them: the database is the source of truth, and its
  // copy goes back into the store before serving and whenever the store may have lost data
  // (requests wait for it; see ops/deploy/redis-durability.md).
  const restoreState = async (into: StateStore = store) => {
    const revocations = await restoreRevocations({ db, store: into });
    const blocks = await ipBlocks.restore(into);
    const throttled = await throttles.restore(into);
    return { revocations, blocks, throttled };
  };
  // Data loss is worth an operator's attention; a plain reconnect less so.
  const LOSS = new Set(['run_id changed', 'marker missing', 'write not confirmed']);
  const reseed = async (into: StateStore, { reason }: { reason: string }) => {
    try {
      const restored = await restoreState(into);
      const line = { reason, ...restored };
      if (LOSS.has(reason)) app.log.warn(line, 'state store may have lost data: re-seeded from the database');
      else app.log.info(line, 'state store re-seeded from the database');
    } catch (error) {
      app.log.error(
        { reason, err: error },
        'state store re-seed failed; authenticated requests answer 503 until a retry succeeds',
      );
      throw error;
    }
  };
  app.addHook('onReady', async () => {
    try {
      // The Redis store re-seeds itself from the database on connecting (the `reseed` below) and
      // holds requests until it has: waiting for that here costs no second pass over every live
      // revocation. The in-process store is filled here.
      if (store.kind === 'redis') await store.ping();
      else await restoreState();
    } catch (error) {
      // Redis is down at start-up: authenticated requests answer 503 until it is back, and the
      // store runs restoreState again when it connects.
      if (!(error instanceof StoreUnavailableError)) throw error;
      app.log.warn('state store unavailable at start-up; revocations will be restored when it connects');
    }
  });
  store.onReconnect(reseed);
  const deps: AppDeps = {
    config,
    db,
    store,
    metrics,
    tokens,
    securityEvents,
    authenticate,
    requireRole: (role) => requireRole(role, securityEvents),
    inTenant,
    ipBlocks,
    gate,
    loginHooks,
  };

  // Platform, in pipeline order.
  await app.register(errorsPlugin);
  await app.register(requestContextPlugin);
  // Security headers and CORS grants first, so that every answer carries them whichever hook
  // refuses it (a block's 403, a limit's 429, shutdown's 503); then the cheapest refusals.
  await app.register(hardeningPlugin, { config });
  // Shutdown (SIGTERM): requests still arriving on open connections get the contract's 503.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (_request, _reply, done) => {
    done(closing ? serviceUnavailable('shutting down') : undefined);
  });
  // IP blocks and route limits for everything outside the authenticated context, whose own hook
  // folds these checks into its single store round trip.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.authenticated !== true) await gate.publicHook(request, reply);
  });
  await app.register(httpMetricsPlugin, { metrics });
  await app.register(openapiPlugin);

  // Public context: operations endpoints at the root.
  await app.register(healthRoutes);
  await app.register(metricsRoutes, deps);
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs'));

  // The API under /api/v1. Public feature routes register in `api`; everything that needs a
  // user registers in `authenticated`, whose onRequest hook is the only way in.
  await app.register(
    async (api) => {
      // public routes:
      await api.register(registerRoute, deps);
      await api.register(authRoutes, deps);

      await api.register(async (authenticated) => {
        authenticated.addHook('onRoute', (route) => {
          route.config = { ...route.config, authenticated: true };
          // Documented as such in /openapi.json: every route here needs the bearer token.
          if (route.schema !== undefined) route.schema.security ??= [{ bearerAuth: [] }];
        });
        authenticated.addHook('onRequest', deps.authenticate);
        // authenticated routes:
        await authenticated.register(logoutAllRoute, deps);
        await authenticated.register(meRoutes, deps);
        await authenticated.register(adminUserRoutes, deps);
        await authenticated.register(botRoutes, deps);
        await authenticated.register(subscriptionRoutes, deps);
        await authenticated.register(blockedIpRoutes, deps);
        await authenticated.register(auditRoutes, deps);
        await authenticated.register(opsSecurityEventRoutes, deps);
        await authenticated.register(opsAuditVerifyRoutes, deps);
      });
    },
    { prefix: '/api/v1' },
  );

  return app;
}
