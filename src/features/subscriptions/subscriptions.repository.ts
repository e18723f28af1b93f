// SQL for subscriptions. Row-level security scopes every statement to the tenant; the user filter
// makes them the caller's own. The bot is looked up through `bots` (RLS-filtered): a foreign key,
// which PostgreSQL checks without row-level security, would accept another tenant's bot id, and
// there is none anyway since subscriptions outlive their bot (migration 0012).
import type { Tx } from '../../platform/db/index.ts';
import { timestampTextSql } from '../../platform/db/index.ts';
import type { Keyset } from '../../platform/pagination.ts';
import { keysetParams, keysetSql } from '../../platform/pagination.ts';

export interface SubscriptionRow {
  id: string;
  bot_id: string;
  plan: string;
  status: string;
  /** PostgreSQL's text of the timestamps (timestampTextSql). */
  created_at: string;
  cancelled_at: string | null;
}

const keyset = keysetSql('subscriptions', 2);
const COLUMNS = `id, bot_id, plan, status, ${timestampTextSql('created_at')}, ${timestampTextSql('cancelled_at')}`;

/**
 * Undefined when the bot is not visible in this tenant. Throws SQLSTATE 23505 on a duplicate. The
 * key-share lock on the bot stands in for a foreign key (migration 0012): a bot's deletion holds
 * its row lock while it cancels the bot's subscriptions, so an insert racing it waits, then finds
 * no bot, and no active subscription is left for a bot that is gone.
 */
export async function insertSubscription(
  tx: Tx,
  subscription: { userId: string; botId: string; plan: string },
): Promise<SubscriptionRow | undefined> {
  const { rows } = await tx.query<SubscriptionRow>(
    `INSERT INTO subscriptions (tenant_id, user_id, bot_id, plan)
     SELECT $1, $2, bots.id, $4 FROM bots WHERE bots.id = $3 FOR KEY SHARE
     RETURNING ${COLUMNS}`,
    [tx.tenantId, subscription.userId, subscription.botId, subscription.plan],
  );
  return rows[0];
}

export async function findSubscription(
  tx: Tx,
  userId: string,
  id: string,
): Promise<SubscriptionRow | undefined> {
  const { rows } = await tx.query<SubscriptionRow>(
    `SELECT ${COLUMNS} FROM subscriptions WHERE user_id = $1 AND id = $2`,
    [userId, id],
  );
  return rows[0];
}

export async function listSubscriptions(
  tx: Tx,
  userId: string,
  page: { after: Keyset | undefined; limit: number },
): Promise<SubscriptionRow[]> {
  const { after, limit } = page;
  const { rows } =
    after === undefined
      ? await tx.query<SubscriptionRow>(
          `SELECT ${COLUMNS} FROM subscriptions WHERE user_id = $1 ${keyset.order} LIMIT $2`,
          [userId, limit + 1],
        )
      : await tx.query<SubscriptionRow>(
          `SELECT ${COLUMNS} FROM subscriptions WHERE user_id = $1 AND ${keyset.after} ${keyset.order} LIMIT $4`,
          [userId, ...keysetParams(after), limit + 1],
        );
  return rows;
}

/** Cancels (idempotently: a second cancel keeps the first time). Undefined when not the user's. */
export async function cancelSubscription(
  tx: Tx,
  userId: string,
  id: string,
): Promise<SubscriptionRow | undefined> {
  const { rows } = await tx.query<SubscriptionRow>(
    `UPDATE subscriptions SET status = 'cancelled', cancelled_at = coalesce(cancelled_at, now())
     WHERE user_id = $1 AND id = $2
     RETURNING ${COLUMNS}`,
    [userId, id],
  );
  return rows[0];
}
