// `tradewise purge` also drops credential bookkeeping that can no longer matter: access-token and
// revocation rows past their token's expiry, and sessions ended longer ago than the retention.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { purgeExpiredCredentials } from '../../src/features/auth/credential-retention.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

describe('credential retention', () => {
  let t: TestApp;
  let user: TestIdentity;
  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    user = await createTenantUser(t);
  });
  after(() => t.close());

  async function session(expiresAgoDays: number, revokedAgoDays: number | null): Promise<string> {
    const id = randomUUID();
    await t.db.withOwner((q) =>
      q.query(
        `INSERT INTO sessions (id, tenant_id, user_id, refresh_token_hash, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, now() - make_interval(days => $5),
                 CASE WHEN $6::int IS NULL THEN NULL ELSE now() - make_interval(days => $6::int) END)`,
        [id, user.tenantId, user.userId, randomUUID(), expiresAgoDays, revokedAgoDays],
      ),
    );
    return id;
  }

  test('expired token rows and long-ended sessions go; live ones stay', async () => {
    const live = await session(-30, null);
    const recentlyRevoked = await session(-30, 1);
    const longRevoked = await session(-30, 40);
    const longExpired = await session(45, null);
    const expiredJti = randomUUID();
    const liveJti = randomUUID();
    await t.db.withOwner(async (q) => {
      for (const [jti, sessionId, minutes] of [
        [expiredJti, live, -5],
        [liveJti, live, 5],
      ] as const) {
        await q.query(
          `INSERT INTO access_tokens (jti, tenant_id, user_id, session_id, expires_at)
           VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))`,
          [jti, user.tenantId, user.userId, sessionId, minutes],
        );
      }
      await q.query(
        `INSERT INTO token_revocations (kind, subject, tenant_id, expires_at, reason)
         VALUES ('jti', $1, $2, now() - interval '1 minute', 'logout'), ('jti', $3, $2, now() + interval '1 hour', 'logout')`,
        [expiredJti, user.tenantId, liveJti],
      );
    });

    const purged = await purgeExpiredCredentials(t.db, 30);
    assert.ok(
      purged.access_tokens >= 1 && purged.token_revocations >= 1 && purged.sessions >= 2,
      JSON.stringify(purged),
    );

    const left = await t.db.withOwner(async (q) => ({
      sessions: (
        await q.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1', [user.userId])
      ).rows.map((r) => r.id),
      jtis: (
        await q.query<{ jti: string }>('SELECT jti FROM access_tokens WHERE user_id = $1', [user.userId])
      ).rows.map((r) => r.jti),
      revocations: (
        await q.query<{ subject: string }>('SELECT subject FROM token_revocations WHERE tenant_id = $1', [
          user.tenantId,
        ])
      ).rows.map((r) => r.subject),
    }));
    assert.deepEqual(left.sessions.sort(), [live, recentlyRevoked].sort());
    assert.ok(!left.sessions.includes(longRevoked) && !left.sessions.includes(longExpired));
    assert.deepEqual(left.jtis, [liveJti]);
    assert.deepEqual(left.revocations, [liveJti]);
  });
});
