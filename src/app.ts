// The whole wiring in one screen: platform plugins in pipeline order, then the public context,
// then the authenticated context with the feature routes.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import Fastify, { LogController } from 'fastify';
import type { Config } from './config.ts';
import { auditRoutes } from './features/audit/audit.routes.ts';
import { inactiveUser } from './features/auth/auth.errors.ts';
import { authRoutes } from './features/auth/auth.routes.ts';
import { logoutAllRoute } from './features/auth/logout.routes.ts';
import { botRoutes } from './features/bots/bots.routes.ts';
import { opsAuditVerifyRoutes } from './features/ops/audit-verify.routes.ts';
import { blockedIpRoutes } from './features/ops/blocked-ips.routes.ts';
import { controlSocketPath, controlSocketPlugin } from './features/ops/control-socket.ts';
import { healthRoutes } from './features/ops/health.routes.ts';
import { httpMetricsPlugin, metricsRoutes } from './features/ops/metrics.routes.ts';
import { opsSecurityEventRoutes } from './features/ops/security-events.routes.ts';
import { ipBlocked, rateLimited, userThrottled } from './features/protection/protection.errors.ts';
import { subscriptionRoutes } from './features/subscriptions/subscriptions.routes.ts';
import { tenantRoutes } from './features/tenants/tenants.routes.ts';
import { adminUserRoutes } from './features/users/admin.routes.ts';
import { meRoutes } from './features/users/me.routes.ts';
import { registerRoute } from './features/users/register.routes.ts';
import { withAfterCommit } from './platform/db/after-commit.ts';
import type { Database } from './platform/db/index.ts';
import { errorsPlugin } from './platform/errors.ts';
import {
  clientErrorHandler,
  createFrameworkErrors,
  createServerFactory,
  hardeningPlugin,
  tlsOptions,
} from './platform/hardening/index.ts';
import { lazyChildLoggerFactory, loggerOptions } from './platform/logging.ts';
import { openapiPlugin } from './platform/openapi.ts';
import { requestContextPlugin, requestIdFor } from './platform/request-context.ts';
import { shutdownPlugin } from './platform/shutdown.ts';
import type { StateStore } from './platform/store/index.ts';
import { compileValidator } from './platform/validation.ts';
import type { ConsoleFiles } from './platform/web-console.ts';
import { webConsolePlugin } from './platform/web-console.ts';
import { buildServices } from './services.ts';

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
  /**
   * The embedded server: `DATA_DIR/control.sock` serves the command line's `list-blocked-ips` and
   * `unblock-ip`, which cannot open the data directory this process holds (control-socket.ts).
   */
  controlSocket?: boolean;
  /** The built web console (platform/web-console.ts), served at `/`; without it `/` redirects to /docs. */
  console?: ConsoleFiles;
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
    // One access-log line per request, written by request-context.ts, instead of Fastify's two; a
    // request's log lines carry its id as `request_id`, the API's name (docs/logging.md).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
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
    frameworkErrors: createFrameworkErrors(config),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('auth', null);
  app.setValidatorCompiler(compileValidator);

  const services = buildServices({
    config,
    db,
    store,
    log: app.log,
    processMetrics: options.processMetrics,
    clusterWorker: options.clusterWorker,
    sleep: options.sleep,
  });
  const { deps } = services;
  app.addHook('onReady', services.ready);
  app.addHook('onClose', services.close);
  const { metrics, gate } = deps;

  // Platform, in pipeline order.
  await app.register(errorsPlugin);
  await app.register(requestContextPlugin);
  // Security headers and CORS grants first, so that every answer carries them whichever hook
  // refuses it (a block's 403, a limit's 429, shutdown's 503); then the cheapest refusals.
  await app.register(hardeningPlugin, { config });
  // Shutdown (SIGTERM): requests still arriving on open connections get the contract's 503.
  await app.register(shutdownPlugin);
  // IP blocks and route limits for everything outside the authenticated context, whose own hook
  // folds these checks into its single store round trip.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.authenticated !== true) await gate.publicHook(request, reply);
  });
  await app.register(httpMetricsPlugin, { metrics });
  // The document derives each route's refusals from its declarations; these are the features' own.
  await app.register(openapiPlugin, {
    inactiveUser: inactiveUser(),
    // A fixed instant: the document (and the typed client generated from it) stays reproducible.
    ipBlocked: ipBlocked({ retryAfter: config.ipBlockSeconds, until: '2026-01-01T13:00:00.000Z' }),
    rateLimited: rateLimited({}),
    userThrottled: userThrottled({}),
  });

  // Public context: operations endpoints at the root.
  await app.register(healthRoutes, { db, store });
  await app.register(metricsRoutes, deps);
  if (options.console === undefined) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs'));
  } else {
    await app.register(webConsolePlugin, { files: options.console });
  }
  if (options.controlSocket === true) {
    await app.register(controlSocketPlugin, {
      path: controlSocketPath(config.dataDir),
      ipBlocks: deps.ipBlocks,
    });
  }

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
        await authenticated.register(tenantRoutes, deps);
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
