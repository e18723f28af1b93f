// Issue 14 item 10: what a typed username reveals. People type their password into the e-mail
// field; the text typed at login is kept in events, logs and alerts only when it names an existing
// account, otherwise only as a keyed hash that still lets attempts be correlated (OWASP Logging
// Cheat Sheet: never record passwords; OWASP ASVS 5.0 V16.2.5 on sensitive data in logs).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { loggerOptions } from '../../src/platform/logging.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

interface StoredEvent {
  event_type: string;
  ip: string;
  details: Record<string, unknown>;
  everything: string;
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('typed usernames in security events, logs and alerts', () => {
  const alerts: string[] = [];
  const logLines: string[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      alerts.push(body);
      res.writeHead(204).end();
    });
  });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  let t: TestApp;
  let owner: TestIdentity;

  const login = (ip: string, username: string, password: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress: ip,
      payload: { username, password },
    });

  const eventsFrom = async (ips: string[]): Promise<StoredEvent[]> => {
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ event_type: string; ip: string; details: Record<string, unknown>; everything: string }>(
        `SELECT event_type, ip, details, row_to_json(security_events)::text AS everything
         FROM security_events WHERE ip = ANY($1::text[]) ORDER BY occurred_at`,
        [ips],
      ),
    );
    return rows;
  };

  /**
   * An address nothing else in this database has used: no block (the server shape keeps blocks for
   * an hour) and no event (test files share the database and draw from the same random range).
   */
  const freshIp = async (): Promise<string> => {
    for (;;) {
      const ip = testIp();
      const { rows } = await t.db.withOwner((q) =>
        q.query(
          `SELECT 1 FROM ip_blocks WHERE ip = $1
           UNION ALL SELECT 1 FROM security_events WHERE ip = $1`,
          [ip],
        ),
      );
      if (rows.length === 0) return ip;
    }
  };

  before(async () => {
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const port = (receiver.address() as { port: number }).port;
    t = await buildTestApp(
      {
        BRUTE_FORCE_MAX_ATTEMPTS: '3',
        LOGIN_RATE_LIMIT: '1000/minute',
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
      },
      { logger: pino(loggerOptions('info'), sink) },
    );
    await t.app.ready();
    owner = await createTenantUser(t);
  });
  after(async () => {
    await t.close();
    receiver.close();
  });

  test('a password typed as the username is in no stored event, log line or alert', async () => {
    const typed = 'Tr0ub4dor&3-MySecret';
    const needle = typed.toLowerCase();
    const ip = await freshIp();
    // Three failures from one address: login_failed each time, then brute_force_detected (an
    // alert) and the IP block that follows.
    for (let i = 0; i < 3; i++) assert.equal((await login(ip, typed, `Other-${i}-pass!`)).statusCode, 401);
    await until(async () => (await eventsFrom([ip])).some((e) => e.event_type === 'ip_blocked'), 'the block');
    await until(() => alerts.some((a) => a.includes('brute_force_detected') && a.includes(ip)), 'the alert');

    const events = await eventsFrom([ip]);
    const types = new Set(events.map((e) => e.event_type));
    assert.ok(types.has('login_failed') && types.has('brute_force_detected'), [...types].join());
    for (const event of events) {
      assert.ok(
        !event.everything.toLowerCase().includes(needle),
        `stored ${event.event_type}: ${event.everything}`,
      );
    }
    const failed = events.find((e) => e.event_type === 'login_failed');
    assert.equal(failed?.details.email, undefined, 'no e-mail kept for a name that is no account');
    assert.match(String(failed?.details.username_hash), /^[0-9a-f]{16}$/);
    const detected = events.find((e) => e.event_type === 'brute_force_detected');
    assert.equal(detected?.details.username_hash, failed?.details.username_hash);

    for (const alert of alerts) assert.ok(!alert.toLowerCase().includes(needle), `alert: ${alert}`);
    assert.ok(logLines.length > 0, 'log lines were captured');
    for (const line of logLines) assert.ok(!line.toLowerCase().includes(needle), `log: ${line}`);
  });

  test('the same unknown username gives the same hash, another one a different hash', async () => {
    const [a, b, c] = [await freshIp(), await freshIp(), await freshIp()];
    assert.equal((await login(a, 'not-an-account@example.test', 'Guess-1-pass!')).statusCode, 401);
    assert.equal((await login(b, '  NOT-an-account@example.test ', 'Guess-2-pass!')).statusCode, 401);
    assert.equal((await login(c, 'someone-else@example.test', 'Guess-3-pass!')).statusCode, 401);
    const hashOf = async (ip: string) => {
      const failedFrom = async () => (await eventsFrom([ip])).find((e) => e.event_type === 'login_failed');
      await until(async () => (await failedFrom()) !== undefined, 'the event');
      const event = await failedFrom();
      assert.equal(event?.details.email, undefined);
      return event?.details.username_hash;
    };
    const [ha, hb, hc] = [await hashOf(a), await hashOf(b), await hashOf(c)];
    assert.equal(ha, hb, 'attempts at one name correlate');
    assert.notEqual(ha, hc);
  });

  test('an existing account keeps its e-mail in the events, hashed nowhere', async () => {
    const ip = await freshIp();
    for (let i = 0; i < 3; i++)
      assert.equal((await login(ip, owner.email, `Wrong-${i}-pass!`)).statusCode, 401);
    await until(
      async () => (await eventsFrom([ip])).some((e) => e.event_type === 'brute_force_detected'),
      'the detection',
    );
    const events = await eventsFrom([ip]);
    for (const type of ['login_failed', 'brute_force_detected']) {
      const event = events.find((e) => e.event_type === type);
      assert.equal(event?.details.email, owner.email, type);
      assert.equal(event?.details.username_hash, undefined, type);
    }
  });
});
