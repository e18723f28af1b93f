// IP blocks: imposed by the brute-force response, listed and lifted by operators. The state store
// holds the live block (checked on every request, in the request's one store round trip); the
// ip_blocks table keeps it durable so that the embedded shape's in-memory store gets it back after
// a restart, and so the command line can see and lift blocks.
import type { Database } from '../../platform/db/index.ts';
import type { StateStore } from '../../platform/store/index.ts';
import { clientKey } from './client-key.ts';
import { activeBlocks, deleteBlock, deleteExpiredBlocks, upsertBlock } from './ip-blocks.repository.ts';

// Hash-tagged with the client key, like the per-IP route limits (rate-limits.ts): a public request's
// checks share one Redis Cluster slot.
export const blockKey = (key: string) => `block:ip:{${key}}`;

export interface IpBlock {
  ip: string;
  reason: string;
  blocked_at: string;
  expires_at: string;
}

export interface IpBlocks {
  block(ip: string, seconds: number, reason: string): Promise<IpBlock>;
  list(): Promise<IpBlock[]>;
  /** Lifts the block on `ip` (an address or a /64 key); false when there was none. */
  lift(ip: string): Promise<boolean>;
  /** Puts the durable blocks back into the store (start-up of the embedded shape). */
  /** Copies the durable blocks into `store` (default: the app's store). */
  restore(store?: StateStore): Promise<number>;
}

export function createIpBlocks(deps: { db: Database; store: StateStore }): IpBlocks {
  // Blocks belong to no tenant: the platform context (no tenant set).
  const { db } = deps;
  return {
    async block(ip, seconds, reason) {
      const key = clientKey(ip);
      const blockedAt = new Date();
      // A second block never shortens a longer one already in force.
      const current = await deps.store.get(blockKey(key));
      const currentExpiry = current === null ? 0 : Date.parse((JSON.parse(current) as IpBlock).expires_at);
      const expiresAt = new Date(Math.max(blockedAt.getTime() + seconds * 1000, currentExpiry || 0));
      const record = {
        ip: key,
        reason,
        blocked_at: blockedAt.toISOString(),
        expires_at: expiresAt.toISOString(),
      };
      await deps.store.set(blockKey(key), JSON.stringify(record), expiresAt.getTime() - blockedAt.getTime());
      await db.withTenant(null, (tx) => upsertBlock(tx, key, reason, expiresAt));
      return record;
    },
    async list() {
      const rows = await db.withTenant(null, (tx) => activeBlocks(tx));
      return rows.map((row) => ({
        ip: row.ip,
        reason: row.reason,
        blocked_at: new Date(row.blocked_at).toISOString(),
        expires_at: new Date(row.expires_at).toISOString(),
      }));
    },
    async lift(ip) {
      const key = clientKey(ip);
      const inStore = await deps.store.exists(blockKey(key));
      await deps.store.delete(blockKey(key));
      const inDb = await db.withTenant(null, (tx) => deleteBlock(tx, key));
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
          value: JSON.stringify({
            ip: row.ip,
            reason: row.reason,
            blocked_at: new Date(row.blocked_at).toISOString(),
            expires_at: new Date(row.expires_at).toISOString(),
          }),
          ttlMs,
        }));
      if (ops.length > 0) await store.batch(ops);
      return ops.length;
    },
  };
}
