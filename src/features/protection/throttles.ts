// User throttles: imposed by the automated response to suspicious_api_usage. Like IP blocks, the
// user_throttles table is the source of truth: a throttle is committed there first, then copied
// into the state store that every request reads (`throttle:user:<id>`, its end in milliseconds),
// which is re-seeded from the table whenever it may have lost data.
import type { Database } from '../../platform/db/index.ts';
import type { StateStore, StoreOp } from '../../platform/store/index.ts';
import { activeThrottles, upsertThrottle } from './throttles.repository.ts';

/** Prefix of the user throttle keys, mirrored by the store (read on every request). */
export const USER_THROTTLE_PREFIX = 'throttle:user:';
export const throttleKey = (userId: string) => `${USER_THROTTLE_PREFIX}{u:${userId}}`; // Cluster hash tag: see revocation.ts

export interface UserThrottles {
  /** Throttles the user for `seconds` (never shortening one in force); returns its end. */
  throttle(userId: string, seconds: number): Promise<Date>;
  /** Copies the throttles in force into `store` (default: the app's store): start-up and re-seeds. */
  restore(store?: StateStore): Promise<number>;
}

export function createUserThrottles(deps: { db: Database; store: StateStore }): UserThrottles {
  // Throttles belong to no tenant: the platform context (no tenant set).
  return {
    async throttle(userId, seconds) {
      const until = await deps.db.withTenant(null, (tx) =>
        upsertThrottle(tx, userId, new Date(Date.now() + seconds * 1000)),
      );
      await deps.store.set(
        throttleKey(userId),
        String(until.getTime()),
        Math.max(1, until.getTime() - Date.now()),
      );
      return until;
    },
    async restore(store = deps.store) {
      const rows = await deps.db.withTenant(null, (tx) => activeThrottles(tx));
      const now = Date.now();
      const ops: StoreOp[] = [];
      for (const row of rows) {
        const until = new Date(row.throttled_until).getTime();
        if (until > now)
          ops.push({ op: 'set', key: throttleKey(row.user_id), value: String(until), ttlMs: until - now });
      }
      if (ops.length > 0) await store.batch(ops);
      return ops.length;
    },
  };
}
