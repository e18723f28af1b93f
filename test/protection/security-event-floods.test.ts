// Issue 14, item 1: floods of refusals from anonymous clients are bounded (CONTRACT.md, "Security
// events"). The same event from the same source within a minute is stored once with a count; an
// alert for the same event and subject goes out at most once per 10 minutes, across instances;
// deliveries in flight are bounded and their drops counted; every public route is rate-limited,
// except the probes, which nothing refuses.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { createSecurityEventRecorder } from '../../src/features/audit/security-events.ts';
import { createIpBlocks } from '../../src/features/protection/ip-blocks.ts';
import type { Database } from '../../src/platform/db/index.ts';
import type { StateStore } from '../../src/platform/store/index.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, createTestDatabase, createTestStore, serverShape } from '../helpers/app.ts';
import { createTenantUser } from '../helpers/identity.ts';

const shape = serverShape ? 'PostgreSQL + Redis' : 'PGlite + in-process store';
const FORGED = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** A webhook receiver on loopback that records every delivery and answers `status`. */
function receiver() {
  const bodies: Record<string, unknown>[] = [];
  const state = { status: 204 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.writeHead(state.status).end();
    });
  });
  return {
    bodies,
    state,
    async start(): Promise<string> {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    },
    close: () => server.close(),
  };
}

interface Stored {
  count: number;
  request_id: string | null;
}

async function storedRows(db: Database, type: string, ip: string): Promise<Stored[]> {
  const { rows } = await db.withOwner((q) =>
    q.query<Stored>(
      'SELECT count, request_id FROM security_events WHERE event_type = $1 AND ip = $2 ORDER BY id',
      [type, ip],
    ),
  );
  return rows;
}

const total = (rows: readonly Stored[]) => rows.reduce((sum, row) => sum + row.count, 0);

async function metric(t: TestApp, line: RegExp): Promise<number> {
  const res = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const match = line.exec(res.body);
  return match ? Number(match[1]) : 0;
}

const cookieLogout = (t: TestApp, ip: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    remoteAddress: ip,
    headers: { cookie: 'tw_refresh=not-a-session-of-ours' },
  });

describe(`flood rule (${shape})`, () => {
  const hook = receiver();
  let url = '';
  let db: Database;
  let store: StateStore;
  before(async () => {
    url = await hook.start();
    db = await createTestDatabase();
    store = createTestStore();
  });
  after(async () => {
    hook.close();
    await store.close();
    await db.close();
  });

  const app = async (env: Record<string, string> = {}) => {
    const t = await buildTestApp(
      { ALERT_WEBHOOK_URL: url, METRICS_TOKEN, SECURITY_EVENT_FOLD_SECONDS: '60', ...env },
      { db, store },
    );
    await t.app.ready();
    return t;
  };

  test('200 CSRF-less cookie logouts store a few rows whose counts sum to 200, and send one alert', async () => {
    hook.bodies.length = 0;
    const t = await app();
    const ip = testIp();
    const counted = /security_events_total\{event_type="unauthorized_access_attempt",severity="high"\} (\d+)/;
    const before = await metric(t, counted);
    const codes = new Set<number>();
    for (let i = 0; i < 200; i++) codes.add((await cookieLogout(t, ip)).statusCode);
    assert.deepEqual([...codes], [403]);
    assert.equal((await metric(t, counted)) - before, 200, 'the metric counts every occurrence');
    const first = await storedRows(db, 'unauthorized_access_attempt', ip);
    assert.deepEqual(
      first.map((row) => row.count),
      [1],
      'the first one is stored at once, the repeats are folded',
    );
    await t.app.close();
    const rows = await storedRows(db, 'unauthorized_access_attempt', ip);
    assert.ok(rows.length <= 3, `${rows.length} rows`);
    assert.equal(total(rows), 200);
    const alerts = hook.bodies.filter((body) => body.ip_address === ip);
    assert.equal(alerts.length, 1, 'one alert for the event and subject');
    assert.equal(alerts[0]?.event_type, 'security_unauthorized_access_attempt');
    assert.equal(alerts[0]?.count, 1);
  });

  test('three instances on one store send one alert for a flood spread over them', async () => {
    hook.bodies.length = 0;
    const apps = [await app(), await app(), await app()];
    const ip = testIp();
    for (let i = 0; i < 90; i++)
      assert.equal((await cookieLogout(apps[i % 3] as TestApp, ip)).statusCode, 403);
    for (const t of apps) await t.app.close();
    assert.equal(hook.bodies.filter((body) => body.ip_address === ip).length, 1);
    assert.equal(total(await storedRows(db, 'unauthorized_access_attempt', ip)), 90);
  });

  test('forged bearer tokens: 300 of them are a few token_invalid rows, not 300', async () => {
    const t = await app();
    const ip = testIp();
    for (let i = 0; i < 300; i++) {
      const res = await t.app.inject({
        url: '/api/v1/bots',
        remoteAddress: ip,
        headers: { authorization: FORGED },
      });
      assert.equal(res.statusCode, 401);
    }
    await t.app.close();
    const rows = await storedRows(db, 'token_invalid', ip);
    assert.ok(rows.length <= 3, `${rows.length} rows`);
    assert.equal(total(rows), 300);
  });

  test('a wrong METRICS_TOKEN is never rate-limited, and its flood is a few rows and one alert', async () => {
    hook.bodies.length = 0;
    const t = await app({ REFRESH_RATE_LIMIT: '2/minute', LOGIN_RATE_LIMIT: '2/minute' });
    const ip = testIp();
    for (let i = 0; i < 100; i++) {
      const res = await t.app.inject({
        url: '/metrics',
        remoteAddress: ip,
        headers: { authorization: 'Bearer wrong-token' },
      });
      assert.equal(res.statusCode, 401);
    }
    await t.app.close();
    const rows = await storedRows(db, 'unauthorized_access_attempt', ip);
    assert.ok(rows.length <= 3, `${rows.length} rows`);
    assert.equal(total(rows), 100);
    assert.equal(hook.bodies.filter((body) => body.ip_address === ip).length, 1);
  });

  test('a receiver answering 503 gets one alert retried five times, not one per refusal', async () => {
    hook.bodies.length = 0;
    hook.state.status = 503;
    try {
      const t = await app();
      const ip = testIp();
      for (let i = 0; i < 200; i++) await cookieLogout(t, ip);
      await t.app.close();
      assert.equal(hook.bodies.filter((body) => body.ip_address === ip).length, 5);
    } finally {
      hook.state.status = 204;
    }
  });

  test('the listings show each row with its count', async () => {
    const t = await app();
    try {
      const operator = await createTenantUser(t, { roles: ['operator'] });
      const ip = testIp();
      const first = await t.app.inject({
        url: '/api/v1/bots',
        remoteAddress: ip,
        headers: { authorization: FORGED },
      });
      const requestId = String(first.headers['x-request-id']);
      const res = await t.app.inject({
        url: `/api/v1/ops/security-events?request_id=${requestId}`,
        headers: operator.headers,
      });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(
        res.json().items.map((item: { event_type: string; count: number }) => [item.event_type, item.count]),
        [['token_invalid', 1]],
      );
    } finally {
      await t.app.close();
    }
  });

  test('repeats are stored as one row per minute and source once the minute is over', async () => {
    const recorder = createSecurityEventRecorder({ db, log: pino({ level: 'silent' }), floodWindowMs: 200 });
    const ip = testIp();
    const other = testIp();
    for (let i = 0; i < 50; i++)
      await recorder.record({ serverRequestId: undefined, type: 'token_invalid', description: 'x', ip });
    await recorder.record({ serverRequestId: undefined, type: 'token_invalid', description: 'x', ip: other });
    // Waits for the window to close by itself (no shutdown): the fold arrives as one row.
    const deadline = Date.now() + 10_000;
    while (total(await storedRows(db, 'token_invalid', ip)) < 50 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const rows = await storedRows(db, 'token_invalid', ip);
    assert.deepEqual(
      rows.map((row) => row.count),
      [1, 49],
    );
    assert.deepEqual(
      (await storedRows(db, 'token_invalid', other)).map((row) => row.count),
      [1],
      'another source has its own row',
    );
    await recorder.close();
  });
});

describe(`public routes are rate-limited; probes never are (${shape})`, () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ REFRESH_RATE_LIMIT: '3/minute', METRICS_TOKEN });
    await t.app.ready();
  });
  after(() => t.close());

  test('POST /auth/logout counts against REFRESH_RATE_LIMIT per client address: 429 after the quota', async () => {
    const ip = testIp();
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await cookieLogout(t, ip)).statusCode);
    assert.deepEqual(codes, [403, 403, 403, 429, 429]);
    const limited = await cookieLogout(t, ip);
    assert.equal(limited.json().code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
  });

  test('a bearer logout is counted once, not once per check', async () => {
    const ip = testIp();
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const user = await createTenantUser(t);
      codes.push(
        (
          await t.app.inject({
            method: 'POST',
            url: '/api/v1/auth/logout',
            remoteAddress: ip,
            headers: user.headers,
          })
        ).statusCode,
      );
    }
    assert.deepEqual(codes, [204, 204, 204, 429]);
  });

  test('/health, /ready and /metrics answer a blocked address and one over every limit', async () => {
    const ip = testIp();
    for (let i = 0; i < 5; i++) await cookieLogout(t, ip);
    const blocked = testIp();
    await createIpBlocks({ db: t.db, store: t.store }).block(blocked, 60, 'test');
    for (const address of [ip, blocked]) {
      for (let i = 0; i < 5; i++) {
        assert.equal((await t.app.inject({ url: '/health', remoteAddress: address })).statusCode, 200);
        assert.equal((await t.app.inject({ url: '/ready', remoteAddress: address })).statusCode, 200);
        const scrape = await t.app.inject({
          url: '/metrics',
          remoteAddress: address,
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        });
        assert.equal(scrape.statusCode, 200);
      }
    }
    assert.equal((await t.app.inject({ url: '/api/v1/bots', remoteAddress: blocked })).statusCode, 403);
  });
});
