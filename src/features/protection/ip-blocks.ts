// IP blocks: imposed by the brute-force response, listed and lifted by operators. The ip_blocks
// table is the source of truth: a block is committed there first, then copied into the state store
// (checked on every request, in the request's one store round trip), which is re-seeded from the
// table whenever it may have lost data. A block whose database write failed is nowhere; one whose
// store write failed is in force as soon as the store's re-seed runs (it asks for one itself).

import { clientKey, isClientKey } from '../../platform/client-key.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Page } from '../../platform/pagination.ts';
import { textKeysetCursor, textKeysetOf, toPage } from '../../platform/pagination.ts';
import type { StateStore } from '../../platform/store/index.ts';
import type { IpBlockRow } from './ip-blocks.repository.ts';
import {
  activeBlocks,
  activeBlocksPage,
  deleteBlock,
  deleteExpiredBlocks,
  upsertBlock,
} from './ip-blocks.repository.ts';

// Hash-tagged with the client key, like the per-IP route limits (rate-limits.ts): a public request's
// checks share one Redis Cluster slot. The prefix is mirrored by the store (read on every request).
export const IP_BLOCK_PREFIX = 'block:ip:';
export const blockKey = (key: string) => `${IP_BLOCK_PREFIX}{${key}}`;

export interface IpBlock {
  ip: string;
  reason: string;
  blocked_at: string;
  expires_at: string;
}

export interface IpBlocks {
  block(ip: string, seconds: number, reason: string): Promise<IpBlock>;
  /** Every active block, newest first (the command line's list-blocked-ips). */
  list(): Promise<IpBlock[]>;
  /** One page of the same list (GET /ops/blocked-ips); a cursor it did not issue is a 422. */
  page(query: { limit: number; cursor?: string | undefined }): Promise<Page<IpBlock>>;
  /** Lifts the block on `ip` (an address or a /64 key); false when there was none. */
  lift(ip: string): Promise<boolean>;
  /** Copies the durable blocks into `store` (default: the app's store): start-up and re-seeds. */
  restore(store?: StateStore): Promise<number>;
}

/** Positions in (blocked_at, address) order; a cursor names an address or a /64 key, nothing else. */
const blockCursor = textKeysetCursor('blocked-ips', isClientKey);

export function createIpBlocks(deps: { db: Database; store: StateStore }): IpBlocks {
  // Blocks belong to no tenant: the platform context (no tenant set).
  const { db } = deps;
  return {
    async block(ip, seconds, reason) {
      const key = clientKey(ip);
      // A second block never shortens a longer one already in force (the upsert keeps the later).
      const row = await db.withTenant(null, (tx) =>
        upsertBlock(tx, key, reason, new Date(Date.now() + seconds * 1000)),
      );
      const record = toBlock(row);
      await deps.store.set(
        blockKey(key),
        JSON.stringify(record),
        Math.max(1, Date.parse(record.expires_at) - Date.now()),
      );
      return record;
    },
    async list() {
      const rows = await db.withTenant(null, (tx) => activeBlocks(tx));
      return rows.map(toBlock);
    },
    async page({ limit, cursor }) {
      const after = blockCursor.decode(cursor);
      const rows = await db.withTenant(null, (tx) => activeBlocksPage(tx, { limit: limit + 1, after }));
      return toPage(rows, limit, blockCursor, (row) => textKeysetOf(row.cursor_key, row.ip), toBlock);
    },
    async lift(ip) {
      const key = clientKey(ip);
      // The database first: a lift that fails half-way leaves the block in the store until its
      // expiry, the safe side, and never a block that a re-seed would bring back.
      const inDb = await db.withTenant(null, (tx) => deleteBlock(tx, key));
      const inStore = await deps.store.exists(blockKey(key));
      await deps.store.delete(blockKey(key));
      return inStore || inDb;
    },
    async restore(store = deps.store) {
      const rows = await db.withTenant(null, async (tx) => {
        await deleteExpiredBlocks(tx);
        return activeBlocks(tx);
      });
      const now = Date.now();
      const ops = rows
        .map((row) => ({ row, ttlMs: new Date(row.expires_at).getTime() - now }))
        .filter(({ ttlMs }) => ttlMs > 0)
        .map(({ row, ttlMs }) => ({
          op: 'set' as const,
          key: blockKey(row.ip),
          value: JSON.stringify(toBlock(row)),
          ttlMs,
        }));
      if (ops.length > 0) await store.batch(ops);
      return ops.length;
    },
  };
}

function toBlock(row: IpBlockRow): IpBlock {
  return {
    ip: row.ip,
    reason: row.reason,
    blocked_at: new Date(row.blocked_at).toISOString(),
    expires_at: new Date(row.expires_at).toISOString(),
  };
}
