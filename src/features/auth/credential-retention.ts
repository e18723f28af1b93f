// Retention of the credential bookkeeping (part of `tradewise purge`): access-token and revocation
// rows are useless once the token they describe has expired, and sessions that expired or were
// revoked more than the retention period ago go with their spent refresh tokens (ON DELETE CASCADE).
// Runs as the migration owner, across tenants, like the rest of the purge.
import type { Database } from '../../platform/db/index.ts';

export interface CredentialPurge {
  access_tokens: number;
  token_revocations: number;
  sessions: number;
}

export async function purgeExpiredCredentials(db: Database, olderThanDays: number): Promise<CredentialPurge> {
  return db.withOwner(async (q) => {
    const accessTokens = await q.query('DELETE FROM access_tokens WHERE expires_at < now()', []);
    const revocations = await q.query('DELETE FROM token_revocations WHERE expires_at < now()', []);
    const sessions = await q.query(
      // A session ended when it was revoked or when it expired, whichever came first.
      'DELETE FROM sessions WHERE least(expires_at, coalesce(revoked_at, expires_at)) < now() - make_interval(days => $1)',
      [olderThanDays],
    );
    return {
      access_tokens: accessTokens.rowCount,
      token_revocations: revocations.rowCount,
      sessions: sessions.rowCount,
    };
  });
}
