// More than SUSPICIOUS_API_CALLS_PER_MINUTE authenticated calls by one user in a minute records
// suspicious_api_usage and throttles that user (429) for USER_RATE_LIMIT_SECONDS; other users of
// the tenant are unaffected.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

describe('suspicious API usage', () => {
  let t: TestApp;
  let heavy: TestIdentity;
  let colleague: TestIdentity;

  before(async () => {
    t = await buildTestApp({ SUSPICIOUS_API_CALLS_PER_MINUTE: '5', USER_RATE_LIMIT_SECONDS: '120' });
    await t.app.ready();
    heavy = await createTenantUser(t, { roles: ['admin', 'user'] });
    colleague = await createTenantUser(t, { roles: ['user'], tenantId: heavy.tenantId });
  });
  after(() => t.close());

  const call = (who: TestIdentity) =>
    t.app.inject({ method: 'GET', url: '/api/v1/bots', headers: who.headers });

  test('the call over the threshold is refused, recorded, and the user stays throttled', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await call(heavy)).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 429, 429, 429]);
    const refused = await call(heavy);
    assert.equal(refused.json().code, 'USER_THROTTLED');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(
      retryAfter > 60 && retryAfter <= 120,
      `Retry-After ${retryAfter} reflects USER_RATE_LIMIT_SECONDS`,
    );

    const events = await t.db.withTenant(heavy.tenantId, (tx) =>
      tx.query<{ event_type: string; severity: string }>(
        'SELECT event_type, severity FROM security_events WHERE user_id = $1 ORDER BY id',
        [heavy.userId],
      ),
    );
    const types = events.rows.map((e) => e.event_type);
    assert.equal(types.filter((x) => x === 'suspicious_api_usage').length, 1, 'recorded once, not per call');
    assert.ok(types.includes('user_throttled'), 'the automated response is itself recorded');
    assert.equal(events.rows.find((e) => e.event_type === 'suspicious_api_usage')?.severity, 'high');
  });

  test('another user of the same tenant is unaffected', async () => {
    assert.equal((await call(colleague)).statusCode, 200);
  });
});
