// The flood phase (issue 14, item 1): 10,000 forged bearer tokens and 10,000 cookie logouts without
// CSRF proof from one client, with ALERT_WEBHOOK_URL pointing at a receiver on loopback. CONTRACT.md
// says such a flood costs "a few rows and one alert, not ten thousand": the phase counts the stored
// security_events rows (and checks that their counts add up to every request sent), the alerts
// received, and the service's RSS and heap before and after. Embedded shape by default;
// `--shape=server` runs it on PostgreSQL + Redis.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createPgliteDatabase } from '../src/platform/db/pglite.ts';
import { onCleanup } from './cleanup.ts';
import type { BenchOptions } from './options.ts';
import { startService } from './phases.ts';
import type { Child } from './processes.ts';
import { rssMb } from './processes.ts';
import { createStorage } from './setup.ts';

const FORGED = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmbG9vZCJ9.Zm9yZ2VkLXNpZ25hdHVyZQ';
const TYPES = ['token_invalid', 'unauthorized_access_attempt'] as const;
const CONCURRENCY = 16;

export interface FloodFigures {
  shape: 'embedded' | 'server';
  /** Requests of each kind, warm-up included (the stored counts must add up to these). */
  sent: { forgedTokens: number; csrfLessLogouts: number };
  statuses: Record<string, number>;
  rows: Record<string, { rows: number; countSum: number }>;
  /** Alerts received, by event type and subject (ip). */
  alerts: Record<string, number>;
  memory: { rssBeforeMb: number; rssAfterMb: number; heapBeforeMb: number; heapAfterMb: number };
  seconds: number;
  pid: number;
}

/** Sends `total` requests, CONCURRENCY at a time; counts the statuses. */
async function send(total: number, request: () => Promise<Response>, statuses: Record<string, number>) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const response = await request();
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * RSS and heap in use after a full collection in the service (garbage not yet collected would pass
 * for growth), the median of a few samples.
 */
async function memory(service: Child): Promise<{ rss: number; heap: number }> {
  const { pid, url } = service;
  await service.collectGarbage();
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    rss.push((await rssMb(pid)) ?? 0);
    const text = await (await fetch(`${url}/metrics`)).text();
    heap.push(Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? 0));
    await sleep(200);
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
  return { rss: Math.round(median(rss) * 10) / 10, heap: mb(median(heap)) };
}

function receiver() {
  const alerts: Record<string, number> = {};
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const alert = JSON.parse(body) as { event_type: string; ip_address: string | null };
      const key = `${alert.event_type} ${alert.ip_address ?? '-'}`;
      alerts[key] = (alerts[key] ?? 0) + 1;
      res.writeHead(204).end();
    });
  });
  return { alerts, server };
}

async function storedRows(
  query: (sql: string) => Promise<{ event_type: string; rows: string; sum: string }[]>,
) {
  const result: FloodFigures['rows'] = {};
  for (const type of TYPES) result[type] = { rows: 0, countSum: 0 };
  const rows = await query(
    `SELECT event_type, count(*)::text AS rows, sum(count)::text AS sum FROM security_events
     WHERE event_type IN ('token_invalid', 'unauthorized_access_attempt') GROUP BY event_type`,
  );
  for (const row of rows) result[row.event_type] = { rows: Number(row.rows), countSum: Number(row.sum) };
  return result;
}

export async function floodPhase(options: BenchOptions, log: (line: string) => void): Promise<FloodFigures> {
  const began = Date.now();
  const hook = receiver();
  hook.server.listen(0, '127.0.0.1');
  await once(hook.server, 'listening');
  onCleanup('stop the flood webhook receiver', async () => {
    hook.server.close();
  });
  const webhook = `http://127.0.0.1:${(hook.server.address() as { port: number }).port}/alerts`;
  const dataDir = await mkdtemp(join(tmpdir(), 'tw-bench-flood-'));
  onCleanup(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const storage =
    options.floodShape === 'server'
      ? await createStorage(options.postgresUrl, options.redisUrl, options.redis)
      : undefined;
  const { service } = await startService(
    'flood service',
    options,
    storage,
    { ALERT_WEBHOOK_URL: webhook, DATA_DIR: dataDir },
    // Memory is read after a full collection (see memory()).
    ['--expose-gc'],
  );
  log(`flood: ${options.floodShape} shape ready at ${service.url} (pid ${service.pid})`);
  const statuses: Record<string, number> = {};
  const forged = () => fetch(`${service.url}/api/v1/bots`, { headers: { authorization: FORGED } });
  const logout = () =>
    fetch(`${service.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie: 'tw_refresh=not-a-session-of-ours' },
    });
  const warmup = options.quick ? 200 : 1_000;
  const flood = options.quick ? 1_000 : 10_000;
  // Warm-up: code paths compiled, pools and caches at their working size, before the baseline.
  await send(warmup, forged, statuses);
  await send(warmup, logout, statuses);
  const before = await memory(service);
  await send(flood, forged, statuses);
  await send(flood, logout, statuses);
  const after = await memory(service);
  log(`flood: ${2 * (warmup + flood)} requests sent; stopping the service (it stores what it folded)`);
  // SIGTERM: a graceful stop stores the folded repeats and delivers the pending alerts.
  await service.stop();
  const rows =
    storage === undefined
      ? await (async () => {
          const db = await createPgliteDatabase({ dataDir });
          try {
            return await storedRows(async (sql) => (await db.withOwner((q) => q.query(sql))).rows as never);
          } finally {
            await db.close();
          }
        })()
      : await (async () => {
          const client = new pg.Client({ connectionString: storage.databaseUrl });
          await client.connect();
          try {
            return await storedRows(async (sql) => (await client.query(sql)).rows);
          } finally {
            await client.end();
          }
        })();
  return {
    shape: options.floodShape,
    sent: { forgedTokens: warmup + flood, csrfLessLogouts: warmup + flood },
    statuses,
    rows,
    alerts: { ...hook.alerts },
    memory: {
      rssBeforeMb: before.rss,
      rssAfterMb: after.rss,
      heapBeforeMb: before.heap,
      heapAfterMb: after.heap,
    },
    seconds: Math.round((Date.now() - began) / 100) / 10,
    pid: service.pid,
  };
}

/** "A few rows": one at once, then one a minute per source, per instance. */
export const FEW_ROWS = 10;
/** Growth that is noise (the allocator, caches at their working size), not the flood being held. */
export const RSS_GROWTH_MB = 25;
/** Read after a full collection: 20,000 requests held at 250 bytes each would already exceed it. */
export const HEAP_GROWTH_MB = 5;
