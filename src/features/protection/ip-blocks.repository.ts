import type { Queryable } from '../../platform/db/index.ts';

export interface IpBlockRow {
  ip: string;
  reason: string;
  blocked_at: Date;
  expires_at: Date;
}

/** Stores the block; returns it as stored (a longer block already in force keeps its expiry). */
export async function upsertBlock(
  q: Queryable,
  ip: string,
  reason: string,
  expiresAt: Date,
): Promise<IpBlockRow> {
  const { rows } = await q.query<IpBlockRow>(
    `INSERT INTO ip_blocks (ip, reason, blocked_at, expires_at) VALUES ($1, $2, now(), $3)
     ON CONFLICT (ip) DO UPDATE SET reason = excluded.reason, blocked_at = excluded.blocked_at,
       expires_at = GREATEST(ip_blocks.expires_at, excluded.expires_at)
     RETURNING ip, reason, blocked_at, expires_at`,
    [ip, reason, expiresAt],
  );
  return rows[0] as IpBlockRow;
}

export async function activeBlocks(q: Queryable): Promise<IpBlockRow[]> {
  const { rows } = await q.query<IpBlockRow>(
    'SELECT ip, reason, blocked_at, expires_at FROM ip_blocks WHERE expires_at > now() ORDER BY blocked_at DESC',
  );
  return rows;
}

export async function deleteBlock(q: Queryable, ip: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM ip_blocks WHERE ip = $1', [ip]);
  return rowCount > 0;
}

export async function deleteExpiredBlocks(q: Queryable): Promise<void> {
  await q.query('DELETE FROM ip_blocks WHERE expires_at <= now()');
}
