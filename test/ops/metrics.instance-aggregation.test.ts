// With WORKERS > 1 the primary merges every worker's registry into one scrape (prom-client's
// AggregatorRegistry, as src/platform/metrics-cluster.ts does). What each metric becomes is what
// the dashboard and alert rules rely on: the instance's own counts are sums, the platform-wide
// active_sessions_gauge is counted once (issue 13: it was multiplied by the number of workers, and
// the dashboard's sum() multiplied it again by the number of instances).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { buildApp } from '../../src/app.ts';
import { createMetrics, watchStore } from '../../src/platform/metrics.ts';
import { createTestDatabase, createTestStore, testConfig } from '../helpers/app.ts';

function worker(options: { sessions: number; events: number; inSync: boolean; roundTrips: number }) {
  const metrics = createMetrics({ collectProcessMetrics: false });
  metrics.activeSessions.set(options.sessions);
  metrics.securityEvents.inc({ event_type: 'login_failed', severity: 'medium' }, options.events);
  watchStore(metrics, {
    stats: () => ({
      roundTrips: options.roundTrips,
      localBatches: 0,
      mirrorSynced: options.inSync,
      mirrorEntries: 0,
      reseeds: {},
      reseedFailures: 0,
    }),
  });
  return metrics;
}

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('one instance of several workers, as one scrape', () => {
  test('counters add up, the platform-wide session count is counted once, in sync only if every worker is', async () => {
    const workers = [
      worker({ sessions: 7, events: 2, inSync: true, roundTrips: 5 }),
      worker({ sessions: 7, events: 3, inSync: false, roundTrips: 1 }),
    ];
    const merged = AggregatorRegistry.aggregate(
      await Promise.all(workers.map((w) => w.registry.getMetricsAsJSON())),
    );
    const text = await merged.metrics();
    assert.equal(sample(text, 'security_events_total{event_type="login_failed",severity="medium"}'), 5);
    assert.equal(sample(text, 'state_store_round_trips_total'), 6);
    assert.equal(sample(text, 'active_sessions_gauge'), 7, 'counted once, not once per worker');
    assert.equal(sample(text, 'state_store_mirror_in_sync'), 0);
  });

  test('the help text says that active_sessions_gauge is platform-wide and is aggregated with max()', async () => {
    const text = await createMetrics({ collectProcessMetrics: false }).registry.metrics();
    const help = text.split('\n').find((l) => l.startsWith('# HELP active_sessions_gauge '));
    assert.match(help ?? '', /whole platform/);
    assert.match(help ?? '', /max\(\)/);
  });

  test('a worker whose primary cannot collect the instance answers 503, never part of the figures', async () => {
    // Outside node:cluster no primary answers: the path of a primary that gives up on a worker.
    const db = await createTestDatabase();
    const store = createTestStore();
    const app = await buildApp({
      config: testConfig(),
      db,
      store,
      logger: pino({ level: 'silent' }),
      processMetrics: false,
      clusterWorker: true,
    });
    try {
      await app.ready();
      const res = await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().code, 'SERVICE_UNAVAILABLE');
      assert.doesNotMatch(res.body, /security_events_total/);
    } finally {
      await app.close();
      await Promise.allSettled([db.close(), store.close()]);
    }
  });
});
