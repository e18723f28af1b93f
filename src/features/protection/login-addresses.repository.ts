import type { Queryable } from '../../platform/db/index.ts';

/** The account's addresses, newest first, of the last `days` days. */
export async function recentAddresses(q: Queryable, accountHash: string, days: number): Promise<string[]> {
  const { rows } = await q.query<{ client_key: string }>(
    `SELECT client_key FROM login_addresses
     WHERE account_hash = $1 AND last_login_at > now() - make_interval(days => $2)
     ORDER BY last_login_at DESC`,
    [accountHash, days],
  );
  return rows.map((row) => row.client_key);
}

/**
 * Records a successful login from `clientKey` and trims the account to its newest `keep`
 * addresses; rows of any account older than `days` go too, so the table stays bounded.
 */
export async function rememberAddress(
  q: Queryable,
  accountHash: string,
  clientKey: string,
  keep: number,
  days: number,
): Promise<void> {
  await q.query(
    `INSERT INTO login_addresses (account_hash, client_key, last_login_at) VALUES ($1, $2, now())
     ON CONFLICT (account_hash, client_key) DO UPDATE SET last_login_at = excluded.last_login_at`,
    [accountHash, clientKey],
  );
  await q.query(
    `DELETE FROM login_addresses
     WHERE last_login_at <= now() - make_interval(days => $3)
        OR (account_hash = $1 AND client_key NOT IN (
              SELECT client_key FROM login_addresses WHERE account_hash = $1
              ORDER BY last_login_at DESC LIMIT $2))`,
    [accountHash, keep, days],
  );
}
