// SQL for the durable copy of user throttles (user_throttles, migration 0006).
import type { Queryable } from '../../platform/db/index.ts';

/** Stores the throttle; returns its end as stored (a longer throttle in force is kept). */
export async function upsertThrottle(q: Queryable, userId: string, until: Date): Promise<Date> {
  const { rows } = await q.query<{ throttled_until: Date | string }>(
    `INSERT INTO user_throttles (user_id, throttled_until) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE
     SET throttled_until = GREATEST(user_throttles.throttled_until, excluded.throttled_until)
     RETURNING throttled_until`,
    [userId, until],
  );
  return new Date((rows[0] as { throttled_until: Date | string }).throttled_until);
}

export interface ThrottleRow {
  user_id: string;
  throttled_until: Date | string;
}

/** Throttles still in force; expired ones are deleted on the way. */
export async function activeThrottles(q: Queryable): Promise<ThrottleRow[]> {
  await q.query('DELETE FROM user_throttles WHERE throttled_until <= now()');
  const { rows } = await q.query<ThrottleRow>('SELECT user_id, throttled_until FROM user_throttles');
  return rows;
}
