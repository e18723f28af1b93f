// active_sessions_gauge: live (unrevoked, unexpired) sessions across the platform, read from the
// database when Prometheus scrapes (prom-client calls a gauge's `collect` before reporting it), so
// every instance reports the same true figure, whatever instance created or ended the sessions.
// The count is cached for a few seconds so that frequent scrapes cost at most one query per window.
import type { Gauge } from 'prom-client';
import type { Database } from '../../platform/db/index.ts';
import { countLiveSessions } from './sessions.repository.ts';

const CACHE_MS = 5_000;

export function installActiveSessionsGauge(gauge: Gauge, db: Database, now: () => number = Date.now): void {
  let cached: { value: number; at: number } | undefined;
  const collect = async function (this: Gauge): Promise<void> {
    if (cached === undefined || now() - cached.at >= CACHE_MS) {
      try {
        cached = { value: await db.withTenant(null, countLiveSessions), at: now() };
      } catch {
        // A scrape while the database is away reports the last known figure rather than failing.
        if (cached === undefined) return;
      }
    }
    this.set(cached.value);
  };
  // prom-client reads `collect` from the metric object at scrape time; metrics.ts defines the gauge
  // without one because the count belongs to this feature.
  Object.assign(gauge, { collect });
}
