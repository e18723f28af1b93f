// DELETE /bots/{id} with subscriptions: never a silent cascade. In the deletion's one tenant
// transaction the bot is locked, its active subscriptions are cancelled (each user's, as their own
// cancel would: status `cancelled`, `cancelled_at` set), each cancellation gets its own audit
// record attributed to the deleting user (`subscription.cancel`, reason `bot_deleted`), and then
// the bot is deleted, with its own record naming how many it cancelled. Every subscription stays
// as its user's history, still naming the deleted bot (migration 0012). All of it commits
// together or not at all.
import type { TenantTx } from '../../platform/db/tenant-transaction.ts';
import { botNotFound } from './bots.errors.ts';
import { cancelSubscriptionsOfBot, deleteBot, findBot } from './bots.repository.ts';

/** Deletes bot `id` after cancelling its active subscriptions, each noted for its own audit record. */
export async function deleteBotWithSubscriptions(tx: TenantTx, id: string): Promise<void> {
  // The row lock makes a subscription racing this deletion wait (its insert takes a key-share lock
  // on the bot), then find no bot: none is left active for a bot that is gone.
  if ((await findBot(tx, id, { forUpdate: true })) === undefined) throw botNotFound();
  const cancelled = await cancelSubscriptionsOfBot(tx, id);
  if (!(await deleteBot(tx, id))) throw botNotFound();
  for (const subscription of cancelled) {
    tx.noteRelated({
      action: 'subscription.cancel',
      resourceType: 'subscription',
      resourceId: subscription.id,
      fields: ['status'],
      details: { reason: 'bot_deleted', bot_id: id, subscriber_id: subscription.user_id },
    });
  }
  tx.note({
    action: 'bot.delete',
    resourceType: 'bot',
    resourceId: id,
    details: { cancelled_subscriptions: cancelled.length },
  });
}
