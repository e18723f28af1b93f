// The per-request protection checks: is the client's IP blocked, is a route limit exceeded, is
// the user throttled, and how many calls has the user made this minute. All of them are store
// operations that travel in ONE batch: for public routes the gate's own hook sends it; for the
// authenticated context `authenticate` appends its revocation checks to the same batch (one
// round trip per request in all). When the shared store is unreachable, public routes fall back
// to per-instance counting; the authenticated path answers 503 rather than guess.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { AppError } from '../../platform/errors.ts';
import type { Metrics } from '../../platform/metrics.ts';
import type { Counter, StateStore, StoreOp, StoreResult } from '../../platform/store/index.ts';
import { StoreUnavailableError } from '../../platform/store/index.ts';
import type { SecurityEventRecorder } from '../audit/security-events.ts';
import { throttleKey } from './automated-response.ts';
import { clientKey } from './client-key.ts';
import { blockKey } from './ip-blocks.ts';
import type { LimitDecision, SlidingWindow } from './rate-limits.ts';
import { rateLimitHeaders, slidingWindow } from './rate-limits.ts';

/** Route-level limits: `config: { rateLimit: ['login'] }` on a route. */
export type LimiterName = 'login' | 'register' | 'refresh' | 'testConnection' | 'testConnectionTenant';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Limits this route counts against: per client IP, or per tenant for `…Tenant` limiters. */
    rateLimit?: readonly LimiterName[];
    /** Set on every route of the authenticated context, whose own hook runs the gate's checks. */
    authenticated?: boolean;
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

// A refused client that keeps knocking must not turn every knock into a database write: a
// refusal of the same kind for the same subject is recorded at most once per interval (the
// metrics still count every one).
const EVENT_INTERVAL_MS = 10_000;

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

export function createRequestGate(deps: RequestGateDeps): RequestGate {
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const limiters: Record<LimiterName, SlidingWindow> = {
    login: slidingWindow('login', config.loginRateLimit),
    register: slidingWindow('register', config.registerRateLimit),
    refresh: slidingWindow('refresh', config.refreshRateLimit),
    testConnection: slidingWindow('test-connection', config.testConnectionRateLimit),
    testConnectionTenant: slidingWindow('test-connection-tenant', config.tenantTestConnectionRateLimit),
  };
  const usageWindowMs = 60_000;
  const lastRecorded = new Map<string, number>();
  const crossing = usageCrossing(deps.store, usageWindowMs);

  const shouldRecord = (key: string): boolean => {
    const t = now();
    const last = lastRecorded.get(key);
    if (last !== undefined && t - last < EVENT_INTERVAL_MS) return false;
    if (lastRecorded.size > 10_000) lastRecorded.clear();
    lastRecorded.set(key, t);
    return true;
  };

  const base = (request: FastifyRequest, subject?: GateSubject) => ({
    ip: request.ip,
    requestId: request.id,
    userId: subject?.userId,
    tenantId: subject?.tenantId,
  });

  function plan(request: FastifyRequest, reply: FastifyReply, subject?: GateSubject): GatePlan {
    const t = now();
    const client = clientKey(request.ip);
    const names = (request.routeOptions.config?.rateLimit ?? []).filter(
      (name) => !name.endsWith('Tenant') || subject !== undefined,
    );
    const ops: StoreOp[] = [{ op: 'exists', key: blockKey(client) }];
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
        if (results[0] === true) {
          deps.metrics.blockedRequests.inc();
          if (shouldRecord(`blocked:${client}`)) {
            await deps.securityEvents.record({
              type: 'ip_blocked',
              description: 'Request from a blocked IP refused',
              ...base(request, subject),
              details: { route: request.routeOptions.url },
            });
          }
          throw new AppError(403, 'IP_BLOCKED', 'Access from this address is temporarily blocked');
        }
        let cursor = 1;
        let tightest: LimitDecision | undefined;
        for (const name of names) {
          const decision = limiters[name].decide(
            [results[cursor] as StoreResult, results[cursor + 1] as StoreResult],
            t,
          );
          cursor += 2;
          deps.metrics.rateLimitDecisions.inc({
            limiter: name,
            outcome: decision.limited ? 'limited' : 'allowed',
          });
          if (decision.limited) {
            if (shouldRecord(`limited:${name}:${client}`)) {
              await deps.securityEvents.record({
                type: 'rate_limited',
                description: `Rate limit "${name}" exceeded`,
                ...base(request, subject),
                details: { limiter: name, limit: decision.limit, window_seconds: decision.windowSeconds },
              });
            }
            throw new AppError(429, 'RATE_LIMITED', 'Too many requests', rateLimitHeaders(decision));
          }
          if (tightest === undefined || decision.remaining < tightest.remaining) tightest = decision;
        }
        if (tightest !== undefined) reply.headers(rateLimitHeaders(tightest));
      },
      async enforceUser(results) {
        if (subject === undefined) return;
        const throttledUntil = results[userCursor] as string | null;
        const usage = results[userCursor + 1] as Counter;
        const threshold = config.suspiciousApiCallsPerMinute;
        if (throttledUntil !== null && Number(throttledUntil) > t) {
          const retry = Math.max(1, Math.ceil((Number(throttledUntil) - t) / 1000));
          if (shouldRecord(`throttled:${subject.userId}`)) {
            await deps.securityEvents.record({
              type: 'rate_limited',
              description: 'Request from a throttled user refused',
              ...base(request, subject),
              details: { limiter: 'user_throttle' },
            });
          }
          throw new AppError(429, 'USER_THROTTLED', 'Too many requests', { 'retry-after': String(retry) });
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
          throw new AppError(429, 'USER_THROTTLED', 'Too many requests', { 'retry-after': String(retry) });
        }
      },
    };
  }

  return {
    plan,
    async publicHook(request, reply) {
      const gate = plan(request, reply);
      let results: StoreResult[];
      try {
        results = await deps.store.batch(gate.ops);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        // Limits degrade to this instance's own counts; blocks imposed here still hold.
        request.log.warn('state store unavailable: rate limits counted per instance');
        results = await deps.fallbackStore.batch(gate.ops);
      }
      await gate.enforceClient(results);
    },
  };
}
