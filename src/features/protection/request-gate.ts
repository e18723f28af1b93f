// The per-request protection checks: is the client's IP blocked, is a route limit exceeded, is
// the user throttled, and how many calls has the user made this minute. All of them are store
// operations that travel in ONE batch: for public routes the gate's own hook sends it; for the
// authenticated context `authenticate` appends its revocation checks to the same batch (one
// round trip per request in all). When the shared store is unreachable, public routes fall back
// to per-instance counting; the authenticated path answers 503 rather than guess.
// Routes marked `probe` (/health, /ready, /metrics) are never refused by a block or a limit:
// probes and scrapers come from fixed addresses (CONTRACT.md); nor is the `reference` (/docs,
// /openapi.json), static pages that tell a blocked client what it hit. Refusals are recorded every time;
// the recorder's flood rule keeps a knocking client from turning each knock into a stored row.
// A limit that only requests past validation may use (registration: an attempt that could create
// an account) is counted by the handler through `consume`, in a second round trip; such a route
// also declares a looser limit in its config, counted here, so that no flood is unbounded.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { clientKey } from '../../platform/client-key.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { requestIds } from '../../platform/request-context.ts';
import type { Counter, StateStore, StoreOp, StoreResult } from '../../platform/store/index.ts';
import { StoreUnavailableError } from '../../platform/store/index.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import { throttleKey } from './automated-response.ts';
import { blockKey } from './ip-blocks.ts';
import { ipBlocked, rateLimited, userThrottled } from './protection.errors.ts';
import type { LimitDecision, SlidingWindow } from './rate-limits.ts';
import { blockEnd, rateLimitHeaders, slidingWindow, userLimitHeaders } from './rate-limits.ts';

/** Route-level limits: `config: { rateLimit: ['login'] }` on a route. */
export type LimiterName =
  | 'login'
  | 'register'
  | 'registerAttempts'
  | 'refresh'
  | 'logout'
  | 'testConnection'
  | 'testConnectionTenant';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Limits this route counts against: per client IP, or per tenant for `…Tenant` limiters. */
    rateLimit?: readonly LimiterName[];
    /** Set on every route of the authenticated context, whose own hook runs the gate's checks. */
    authenticated?: boolean;
    /** Never refused by an IP block or a route limit: probes and scrapers (/health, /ready, /metrics). */
    probe?: boolean;
  }
}

export interface GateSubject {
  userId: string;
  tenantId: string;
}

export interface GatePlan {
  ops: StoreOp[];
  /**
   * Reads this plan's results (the first `ops.length` of the batch) and refuses if it must: the
   * client checks (IP block, route limits) first; the user checks (throttle, usage) only once the
   * caller has established that the token is good, so a revoked token is a 401, not a 429.
   */
  enforceClient(results: readonly StoreResult[]): Promise<void>;
  enforceUser(results: readonly StoreResult[]): Promise<void>;
}

export interface RequestGate {
  plan(request: FastifyRequest, reply: FastifyReply, subject?: GateSubject): GatePlan;
  /** onRequest hook for everything outside the authenticated context. */
  publicHook(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /**
   * Counts the request against per-IP limits now, from its handler: a 429 (with the headers and
   * the `rate_limited` event of the hook's) when one is exceeded. The response's RateLimit headers
   * then list these limits beside the ones its config counted.
   */
  consume(request: FastifyRequest, reply: FastifyReply, names: readonly LimiterName[]): Promise<void>;
}

export interface RequestGateDeps {
  config: Config;
  store: StateStore;
  /** Per-instance store used for counting while the shared store is unreachable. */
  fallbackStore: StateStore;
  metrics: Metrics;
  securityEvents: SecurityEventRecorder;
  now?: () => number;
}

/**
 * Decides, once per user and usage window across every instance, who records the crossing of
 * the usage threshold. Several instances see the count over the threshold, and none may see
 * exactly threshold + 1 (increments arrive in batches), so the first to claim the window in the
 * shared store wins. Each instance asks at most once per user and window: after the crossing the
 * throttle refuses the user before this is reached.
 */
function usageCrossing(store: StateStore, windowMs: number) {
  const asked = new Set<string>();
  return {
    async claim(userId: string, windowIndex: number): Promise<boolean> {
      const key = `usage-crossed:{u:${userId}}:${windowIndex}`; // Cluster hash tag: see revocation.ts
      if (asked.has(key)) return false;
      if (asked.size > 10_000) asked.clear();
      asked.add(key);
      try {
        return (await store.increment(key, windowMs)).count === 1;
      } catch (error) {
        // Asked again by the next refused call; this one is refused all the same.
        asked.delete(key);
        if (error instanceof StoreUnavailableError) return false;
        throw error;
      }
    },
  };
}

/** REGISTER_RATE_LIMIT counts attempts that could create an account; every attempt has ten times that. */
export const REGISTER_ATTEMPTS_FACTOR = 10;

export function createRequestGate(deps: RequestGateDeps): RequestGate {
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const limiters: Record<LimiterName, SlidingWindow> = {
    login: slidingWindow('login', config.loginRateLimit),
    register: slidingWindow('register', config.registerRateLimit),
    // Every registration request, malformed or not, before any parsing: ten times
    // REGISTER_RATE_LIMIT in its window, a bound on floods that leaves room for mistakes.
    registerAttempts: slidingWindow('register-attempts', {
      limit: config.registerRateLimit.limit * REGISTER_ATTEMPTS_FACTOR,
      windowMs: config.registerRateLimit.windowMs,
    }),
    refresh: slidingWindow('refresh', config.refreshRateLimit),
    // Logout is public (a cookie or a bearer token): REFRESH_RATE_LIMIT, as the other cookie-mode
    // endpoint, in a window of its own so that logging out never costs a refresh.
    logout: slidingWindow('logout', config.refreshRateLimit),
    testConnection: slidingWindow('test-connection', config.testConnectionRateLimit),
    testConnectionTenant: slidingWindow('test-connection-tenant', config.tenantTestConnectionRateLimit),
  };
  const usageWindowMs = 60_000;
  const crossing = usageCrossing(deps.store, usageWindowMs);
  // Requests whose client checks ran already: a public route that authenticates by itself (logout)
  // passes the gate twice, and its limits count once.
  const checked = new WeakSet<FastifyRequest>();
  // The limits each request counted so far: a later `consume` shows them all in its headers.
  const counted = new WeakMap<FastifyRequest, LimitDecision[]>();

  const batchOrFallback = async (request: FastifyRequest, ops: StoreOp[]): Promise<StoreResult[]> => {
    try {
      return await deps.store.batch(ops);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // Limits degrade to this instance's own counts; blocks imposed here still hold.
      request.log.warn('state store unavailable: rate limits counted per instance');
      return deps.fallbackStore.batch(ops);
    }
  };

  /** The decisions for `names`, whose two results each begin at `first`; counted in the metrics. */
  const decide = (names: readonly LimiterName[], results: readonly StoreResult[], first: number, t: number) =>
    names.map((name, i) => {
      const at = first + i * 2;
      const decision = limiters[name].decide([results[at] as StoreResult, results[at + 1] as StoreResult], t);
      deps.metrics.rateLimitDecisions.inc({
        limiter: name,
        outcome: decision.limited ? 'limited' : 'allowed',
      });
      return decision;
    });

  /** 429 when a decision is limited (recorded), else the RateLimit headers of every limit counted. */
  const enforceLimits = async (
    request: FastifyRequest,
    reply: FastifyReply,
    decisions: LimitDecision[],
    subject?: GateSubject,
  ) => {
    // Remembered only when there is something to remember: a route without limits (every
    // authenticated read) allocates and stores nothing here.
    const earlier = counted.get(request);
    const all = earlier === undefined ? decisions : [...earlier, ...decisions];
    if (decisions.length > 0) counted.set(request, all);
    const limited = decisions.find((decision) => decision.limited);
    if (limited !== undefined) {
      await deps.securityEvents.record({
        type: 'rate_limited',
        description: `Rate limit "${limited.limiter}" exceeded`,
        ...base(request, subject),
        details: {
          limiter: limited.limiter,
          limit: limited.limit,
          window_seconds: limited.windowSeconds,
        },
      });
      throw rateLimited(rateLimitHeaders(all));
    }
    if (all.length > 0) reply.headers(rateLimitHeaders(all));
  };

  const base = (request: FastifyRequest, subject?: GateSubject) => ({
    ip: request.ip,
    ...requestIds(request),
    userId: subject?.userId,
    tenantId: subject?.tenantId,
  });

  function plan(request: FastifyRequest, reply: FastifyReply, subject?: GateSubject): GatePlan {
    const t = now();
    const client = clientKey(request.ip);
    const names = checked.has(request)
      ? []
      : (request.routeOptions.config?.rateLimit ?? []).filter(
          (name) => !name.endsWith('Tenant') || subject !== undefined,
        );
    checked.add(request);
    // The block's value holds its end (ip-blocks.ts): the 403's Retry-After, in the same batch.
    const ops: StoreOp[] = [{ op: 'get', key: blockKey(client) }];
    for (const name of names) {
      ops.push(...limiters[name].ops(name.endsWith('Tenant') ? `tenant:${subject?.tenantId}` : client, t));
    }
    const usageIndex = Math.floor(t / usageWindowMs);
    if (subject !== undefined) {
      ops.push({ op: 'get', key: throttleKey(subject.userId) });
      // Counted locally and sent in the background (a per-request round trip is not worth it),
      // except near the limit, where the shared store counts it exactly (deferred-counters.ts).
      ops.push({
        op: 'increment',
        key: `usage:{u:${subject.userId}}:${usageIndex}`, // Cluster hash tag: see revocation.ts
        windowMs: usageWindowMs,
        approximate: true,
        limit: config.suspiciousApiCallsPerMinute,
      });
    }

    const userCursor = 1 + names.length * 2;
    return {
      ops,
      async enforceClient(results) {
        const block = results[0];
        if (typeof block === 'string') {
          deps.metrics.blockedRequests.inc();
          await deps.securityEvents.record({
            type: 'ip_blocked',
            description: 'Request from a blocked IP refused',
            ...base(request, subject),
            details: { route: request.routeOptions.url },
          });
          const end = blockEnd(block, t, config.ipBlockSeconds);
          // A developer who locked themselves out (three typos on loopback) learns the way out;
          // production and test mode say only when it ends.
          throw ipBlocked(
            config.nodeEnv === 'development'
              ? { ...end, liftHint: `npx tradewise unblock-ip ${client}` }
              : end,
          );
        }
        await enforceLimits(request, reply, decide(names, results, 1, t), subject);
      },
      async enforceUser(results) {
        if (subject === undefined) return;
        const throttledUntil = results[userCursor] as string | null;
        const usage = results[userCursor + 1] as Counter;
        const threshold = config.suspiciousApiCallsPerMinute;
        if (throttledUntil !== null && Number(throttledUntil) > t) {
          const retry = Math.max(1, Math.ceil((Number(throttledUntil) - t) / 1000));
          await deps.securityEvents.record({
            type: 'rate_limited',
            description: 'Request from a throttled user refused',
            ...base(request, subject),
            details: { limiter: 'user_throttle' },
          });
          throw userThrottled(userLimitHeaders(threshold, retry));
        }
        if (usage.count > threshold) {
          if (await crossing.claim(subject.userId, usageIndex)) {
            // Recording it throttles the user (automated response) and alerts.
            await deps.securityEvents.record({
              type: 'suspicious_api_usage',
              description: 'Unusually high API usage detected',
              ...base(request, subject),
              details: { call_count: usage.count, threshold, window_seconds: usageWindowMs / 1000 },
            });
          }
          const retry = Math.max(1, Math.ceil(usage.ttlMs / 1000));
          throw userThrottled(userLimitHeaders(threshold, retry));
        }
      },
    };
  }

  return {
    plan,
    async publicHook(request, reply) {
      const route = request.routeOptions.config;
      if (route?.probe === true || route?.reference === true || checked.has(request)) return;
      const gate = plan(request, reply);
      await gate.enforceClient(await batchOrFallback(request, gate.ops));
    },
    async consume(request, reply, names) {
      const t = now();
      const client = clientKey(request.ip);
      const ops = names.flatMap((name) => limiters[name].ops(client, t));
      await enforceLimits(request, reply, decide(names, await batchOrFallback(request, ops), 0, t));
    },
  };
}
