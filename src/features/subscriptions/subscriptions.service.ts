// What the subscription routes do in a tenant transaction. "At most one active subscription per
// user and bot" is the database's partial unique index, not a check-then-insert here: concurrent
// duplicates then yield exactly one row, and the others a unique violation mapped to 409.

import { isoTimestamp, isoTimestampOrNull } from '../../platform/db/index.ts';
import type { TenantTx } from '../../platform/db/tenant-transaction.ts';
import { botNotFound } from '../bots/index.ts';
import { alreadySubscribed, isUniqueViolation, subscriptionNotFound } from './subscriptions.errors.ts';
import type { SubscriptionRow } from './subscriptions.repository.ts';
import { cancelSubscription, insertSubscription } from './subscriptions.repository.ts';
import type { SubscriptionCreateInput, SubscriptionView } from './subscriptions.schemas.ts';

export function toSubscriptionView(row: SubscriptionRow): SubscriptionView {
  return {
    id: row.id,
    bot_id: row.bot_id,
    plan: row.plan as SubscriptionView['plan'],
    status: row.status as SubscriptionView['status'],
    created_at: isoTimestamp(row.created_at),
    cancelled_at: isoTimestampOrNull(row.cancelled_at),
  };
}

export async function subscribe(
  tx: TenantTx,
  userId: string,
  body: SubscriptionCreateInput,
): Promise<SubscriptionView> {
  let row: SubscriptionRow | undefined;
  try {
    row = await insertSubscription(tx, { userId, botId: body.bot_id, plan: body.plan });
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadySubscribed();
    throw error;
  }
  if (row === undefined) throw botNotFound();
  tx.note({
    action: 'subscription.create',
    resourceType: 'subscription',
    resourceId: row.id,
    fields: ['bot_id', 'plan'],
    details: { bot_id: row.bot_id },
  });
  return toSubscriptionView(row);
}

export async function cancel(tx: TenantTx, userId: string, id: string): Promise<SubscriptionView> {
  const row = await cancelSubscription(tx, userId, id);
  if (row === undefined) throw subscriptionNotFound();
  tx.note({
    action: 'subscription.cancel',
    resourceType: 'subscription',
    resourceId: id,
    fields: ['status'],
  });
  return toSubscriptionView(row);
}
