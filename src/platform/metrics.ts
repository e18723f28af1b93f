// Prometheus metrics: the original design's names, plus what an operator needs to watch the
// pipeline. One registry per app instance (tests build many apps). No label ever takes an
// unbounded value: no IPs, e-mails, user ids or raw paths — routes are patterns.
//
// A scrape describes one instance (one address) as a whole: with WORKERS > 1 the workers'
// registries are merged (metrics-cluster.ts), each metric by its `aggregator` (sum unless said).
// Most figures are the instance's own, and a dashboard sums them over instances. A platform-wide
// figure (active_sessions_gauge, counted in the database) is the same on every instance: its help
// text says so, and dashboards and alert rules take max() of it, never sum().
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { instanceScrape } from './metrics-cluster.ts';
import type { StoreStats } from './store/index.ts';

export interface MetricsOptions {
  collectProcessMetrics?: boolean;
  /** A node:cluster worker (WORKERS > 1): a scrape answers for every worker of the instance. */
  clusterWorker?: boolean;
}

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.collectProcessMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  return {
    registry,
    /** What GET /metrics answers: this process's registry, or the whole instance's. */
    scrape: options.clusterWorker === true ? instanceScrape(registry) : () => registry.metrics(),
    securityEvents: new Counter({
      name: 'security_events_total',
      help: 'Security events recorded, by type and severity',
      labelNames: ['event_type', 'severity'] as const,
      registers,
    }),
    failedLogins: new Counter({
      name: 'failed_logins_total',
      help: 'Failed login attempts (the client IP is in the security event, never a label)',
      registers,
    }),
    authDuration: new Histogram({
      name: 'auth_duration_seconds',
      help: 'Time spent authenticating a login (credential check included)',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5],
      registers,
    }),
    activeSessions: new Gauge({
      name: 'active_sessions_gauge',
      help: 'Live (unrevoked, unexpired) sessions of the whole platform, counted in the database: every instance reports the same figure, so aggregate over instances with max(), not sum()',
      // Every worker counts the same rows: the instance's figure is theirs, not their sum.
      aggregator: 'max',
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route pattern and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    rateLimitDecisions: new Counter({
      name: 'rate_limit_decisions_total',
      help: 'Rate-limit decisions by limiter and outcome',
      labelNames: ['limiter', 'outcome'] as const,
      registers,
    }),
    ipBlocks: new Counter({ name: 'ip_blocks_total', help: 'IP blocks imposed', registers }),
    blockedRequests: new Counter({
      name: 'blocked_requests_total',
      help: 'Requests refused because their IP is blocked',
      registers,
    }),
    tokenRevocations: new Counter({
      name: 'token_revocations_total',
      help: 'Token and session revocations by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    outboundTests: new Counter({
      name: 'outbound_connection_tests_total',
      help: 'Bot connection tests by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    alertsSent: new Counter({
      name: 'alerts_sent_total',
      help: 'Alert webhook deliveries by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    alertDeliveriesDropped: new Counter({
      name: 'alert_deliveries_dropped_total',
      help: 'Alert webhook deliveries dropped because too many were in flight or queued',
      registers,
    }),
    auditRecords: new Counter({ name: 'audit_records_total', help: 'Audit records written', registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A shared store's own figures, read at scrape time: whether the local mirror of Redis answers the
 * per-request checks, and how many batches needed Redis. Not registered for the in-process store.
 */
export function watchStore(metrics: Metrics, store: { stats?(): StoreStats }): void {
  const stats = store.stats?.bind(store);
  if (stats === undefined) return;
  const registers = [metrics.registry];
  new Gauge({
    name: 'state_store_mirror_in_sync',
    help: '1 while per-request checks are answered from the local mirror of Redis, 0 while each needs a round trip',
    // With WORKERS > 1 the instance is in sync only while every worker is.
    aggregator: 'min',
    registers,
    collect() {
      this.set(stats().mirrorSynced ? 1 : 0);
    },
  });
  new Counter({
    name: 'state_store_round_trips_total',
    help: 'State-store batches that needed a Redis round trip',
    registers,
    collect() {
      // A counter only moves by increments: report the store's own running total.
      this.reset();
      this.inc(stats().roundTrips);
    },
  });
  new Counter({
    name: 'state_store_reseeds_total',
    help: 'Re-seeds of Redis from the database, by what asked for one (reconnect, run_id changed, marker missing, ...)',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(stats().reseeds)) this.inc({ reason }, count);
    },
  });
}
