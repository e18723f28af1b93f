import type { Queryable } from '../../platform/db/index.ts';
import type { TextKeyset } from '../../platform/pagination.ts';
import { textKeysetParams, textKeysetSql } from '../../platform/pagination.ts';

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

/** An active block with its position: blocked_at as PostgreSQL's text (textKeysetOf). */
export interface IpBlockPageRow extends IpBlockRow {
  cursor_key: string;
}

// Newest first, as the full list: (blocked_at, ip) descending, the address breaking ties.
const blocksKeyset = textKeysetSql({ instant: 'ip_blocks.blocked_at', key: 'ip_blocks.ip' }, 2, 'descending');

/** One page of the active blocks (`limit` rows), after the cursor position when given. */
export async function activeBlocksPage(
  q: Queryable,
  page: { limit: number; after?: TextKeyset | undefined },
): Promise<IpBlockPageRow[]> {
  const params: unknown[] = [page.limit];
  let after = '';
  if (page.after !== undefined) {
    params.push(...textKeysetParams(page.after));
    after = `AND ${blocksKeyset.after}`;
  }
  const { rows } = await q.query<IpBlockPageRow>(
    `SELECT ip, reason, blocked_at, expires_at, blocked_at::text AS cursor_key FROM ip_blocks
     WHERE expires_at > now() ${after} ${blocksKeyset.order} LIMIT $1`,
    params,
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
