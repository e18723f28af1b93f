// DELETE /bots/{id} with subscriptions: never a silent cascade. In the deletion's one tenant
// transaction the bot is locked, its active subscriptions are cancelled (each user's, as their own
// cancel would: status `cancelled`, `cancelled_at` set), each cancellation gets its own audit
// record attributed to the deleting user (`subscription.cancel`, reason `bot_deleted`), and then
// the bot is deleted, with its own record naming how many it cancelled. Every subscription stays
// as its user's history, still naming the deleted bot (migration 0012). All of it commits
// together or not at all.
import type { FastifyRequest } from 'fastify';
import type { TenantTx } from '../../platform/db/tenant-transaction.ts';
import { successStatus } from '../../platform/db/tenant-transaction.ts';
import { authOf } from '../../platform/request-auth.ts';
import { requestIds } from '../../platform/request-context.ts';
import { appendAuditRecord } from '../audit/index.ts';
import { botNotFound } from './bots.errors.ts';
import type { CancelledSubscription } from './bots.repository.ts';
import { cancelSubscriptionsOfBot, deleteBot, findBot } from './bots.repository.ts';

/**
 * The audit record of one cancelled subscription: the request's own record, as the audit hook
 * writes it (features/audit/audit-hook.ts), for another resource. A transaction's note makes one
 * record only, so these are appended here, before the bot's.
 */
async function recordCancellation(
  tx: TenantTx,
  request: FastifyRequest,
  botId: string,
  subscription: CancelledSubscription,
): Promise<void> {
  const auth = authOf(request);
  await appendAuditRecord(tx, {
    tenantId: auth.tenantId,
    actorUserId: auth.userId,
    actorEmail: auth.email,
    ip: request.ip,
    method: request.method,
    route: request.routeOptions.url ?? request.url,
    path: request.url.split('?')[0] ?? request.url,
    status: successStatus(request),
    ...requestIds(request),
    action: 'subscription.cancel',
    resourceType: 'subscription',
    resourceId: subscription.id,
    changes: {
      reason: 'bot_deleted',
      bot_id: botId,
      subscriber_id: subscription.user_id,
      fields: ['status'],
    },
  });
}

/** Deletes bot `id` after cancelling its active subscriptions; says how many it cancelled. */
export async function deleteBotWithSubscriptions(
  tx: TenantTx,
  request: FastifyRequest,
  id: string,
): Promise<number> {
  // The row lock makes a subscription racing this deletion wait (its insert takes a key-share lock
  // on the bot), then find no bot: none is left active for a bot that is gone.
  if ((await findBot(tx, id, { forUpdate: true })) === undefined) throw botNotFound();
  const cancelled = await cancelSubscriptionsOfBot(tx, id);
  if (!(await deleteBot(tx, id))) throw botNotFound();
  for (const subscription of cancelled) await recordCancellation(tx, request, id, subscription);
  tx.note({
    action: 'bot.delete',
    resourceType: 'bot',
    resourceId: id,
    details: { cancelled_subscriptions: cancelled.length },
  });
  return cancelled.length;
}
