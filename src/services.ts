// Every service of one instance, built in one place (the composition root): the features' pieces
// wired to each other and to the platform. app.ts registers the plugins; route plugins receive the
// services they use from here as options, each declaring the narrow set it needs.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import { auditHook } from './features/audit/audit-hook.ts';
import type { SecurityEventRecorder } from './features/audit/security-events.ts';
import { countSecurityEvents, createSecurityEventRecorder } from './features/audit/security-events.ts';
import { installActiveSessionsGauge } from './features/auth/active-sessions.ts';
import type { AuthServices } from './features/auth/auth.services.ts';
import { createAuthServices } from './features/auth/auth.services.ts';
import type { Authenticate } from './features/auth/authenticate.ts';
import { createAuthenticate, requireRole } from './features/auth/authenticate.ts';
import { restoreRevocations } from './features/auth/revocation.restore.ts';
import type { TokenService } from './features/auth/tokens.ts';
import { createTokenService } from './features/auth/tokens.ts';
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
import type { Database } from './platform/db/index.ts';
import type { InTenant } from './platform/db/tenant-transaction.ts';
import { createInTenant } from './platform/db/tenant-transaction.ts';
import type { Metrics } from './platform/metrics.ts';
import { createMetrics, watchStore } from './platform/metrics.ts';
import type { RequireRole } from './platform/request-auth.ts';
import type { StateStore } from './platform/store/index.ts';
import { StoreUnavailableError } from './platform/store/index.ts';
import { createMemoryStore } from './platform/store/memory.ts';

/** The services of one instance. Route plugins take the part they need (each declares its own). */
export interface AppDeps {
  config: Config;
  db: Database;
  store: StateStore;
  metrics: Metrics;
  tokens: TokenService;
  securityEvents: SecurityEventRecorder;
  authenticate: Authenticate;
  /** An onRequest hook: 403 and a security event unless the user has `role`. */
  requireRole: RequireRole;
  /** Runs a handler's work in the request's tenant transaction, auditing mutations. */
  inTenant: InTenant;
  ipBlocks: IpBlocks;
  gate: RequestGate;
  /** Login's extension points (before the credential check, on failure, on success). */
  loginHooks: LoginHooks;
  /** Login, sessions, revocation, device cookies: one set for every route plugin. */
  auth: AuthServices;
}

export interface ServicesOptions {
  config: Config;
  /** The database, its transactions accepting afterCommit work (withAfterCommit). */
  db: Database;
  store: StateStore;
  log: FastifyBaseLogger;
  /** Process-wide metrics (CPU, memory, event loop) are collected unless this is false. */
  processMetrics?: boolean | undefined;
  /** One of WORKERS > 1 node:cluster workers: /metrics then reports the instance as a whole. */
  clusterWorker?: boolean | undefined;
  /** How brute-force slowdowns wait (tests record the delays instead of sleeping). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

export interface Services {
  deps: AppDeps;
  /** Before serving: the state store holds the database's revocations, blocks and throttles. */
  ready(): Promise<void>;
  /** After the last request: pending events stored, queued alerts sent, in-process state freed. */
  close(): Promise<void>;
}

export function buildServices(options: ServicesOptions): Services {
  const { config, db, store, log } = options;
  const metrics = createMetrics({
    collectProcessMetrics: options.processMetrics,
    clusterWorker: options.clusterWorker,
  });
  const securityEvents = createSecurityEventRecorder({
    db,
    log: log,
    floodWindowMs: config.securityEventFoldSeconds * 1000,
  });
  countSecurityEvents(securityEvents, metrics.securityEvents);
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
        log,
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
      if (LOSS.has(reason)) log.warn(line, 'state store may have lost data: re-seeded from the database');
      else log.info(line, 'state store re-seeded from the database');
    } catch (error) {
      log.error(
        { reason, err: error },
        'state store re-seed failed; authenticated requests answer 503 until a retry succeeds',
      );
      throw error;
    }
  };
  const ready = async () => {
    try {
      // The Redis store re-seeds itself from the database on connecting (`reseed` above) and
      // holds requests until it has: waiting for that here costs no second pass over every live
      // revocation. The in-process store is filled here.
      if (store.kind === 'redis') await store.ping();
      else await restoreState();
    } catch (error) {
      // Redis is down at start-up: authenticated requests answer 503 until it is back, and the
      // store runs restoreState again when it connects. main.ts says so, naming the setting.
      if (!(error instanceof StoreUnavailableError)) throw error;
    }
  };
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
    auth: createAuthServices({ config, db, store, metrics, tokens, securityEvents, inTenant, loginHooks }),
  };
  return {
    deps,
    ready,
    // Events recorded by the last in-flight requests are stored before the pools close; alerts
    // already queued are delivered (within their bound).
    async close() {
      await securityEvents.close();
      await alerts?.drain();
      await fallbackStore.close();
    },
  };
}
