// Subscriptions: a user's subscriptions to bots of their tenant (CONTRACT.md "Subscriptions").
// Each user sees and changes only their own; another user's or another tenant's id is a 404.
// DELETE cancels rather than erases (status `cancelled`, kept for the record) and answers 204, as
// every DELETE of the API (CONTRACT.md); cancelling again is harmless and answers the same, the
// first cancellation's time kept.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import { errorResponse } from '../../platform/openapi.ts';
import { keysetCursor, keysetOf, ListQuery, toPage } from '../../platform/pagination.ts';
import { legacyMicrosKeyset } from '../../platform/pagination-legacy.ts';
import { authOf } from '../../platform/request-auth.ts';
import { botNotFound, IdParams } from '../bots/index.ts';
import { alreadySubscribed, subscriptionNotFound } from './subscriptions.errors.ts';
import { findSubscription, listSubscriptions } from './subscriptions.repository.ts';
import { Subscription, SubscriptionCreateBody, SubscriptionList } from './subscriptions.schemas.ts';
import { cancel, subscribe, toSubscriptionView } from './subscriptions.service.ts';

/** What the subscription routes use. */
export interface SubscriptionRouteDeps {
  inTenant: InTenant;
}

const tags = ['subscriptions'];

/** GET /subscriptions pages in (created_at, id) order. */
const subscriptionCursor = keysetCursor('subscriptions', legacyMicrosKeyset);

export async function subscriptionRoutes(plugin: FastifyInstance, deps: SubscriptionRouteDeps) {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/subscriptions',
    {
      schema: {
        tags,
        summary: 'List your subscriptions',
        description: 'Yours only (active and cancelled), oldest first, cursor-paginated.',
        querystring: ListQuery,
        response: { 200: SubscriptionList },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = subscriptionCursor.decode(cursor);
      const rows = await deps.inTenant(request, (tx) =>
        listSubscriptions(tx, authOf(request).userId, { after, limit }),
      );
      return toPage(
        rows,
        limit,
        subscriptionCursor,
        (row) => keysetOf(row.created_at, row.id),
        toSubscriptionView,
      );
    },
  );

  app.post(
    '/subscriptions',
    {
      schema: {
        tags,
        summary: 'Subscribe to a bot of your tenant',
        description:
          'One active subscription per user and bot: a second one, even sent concurrently, is a 409. A bot ' +
          'of another tenant is the same 404 as one that never existed.',
        body: SubscriptionCreateBody,
        response: {
          201: Subscription,
          404: errorResponse('No such bot in your tenant.', botNotFound()),
          409: errorResponse('You already hold an active subscription to this bot.', alreadySubscribed()),
        },
      },
    },
    async (request, reply) => {
      const subscription = await deps.inTenant(request, (tx) =>
        subscribe(tx, authOf(request).userId, request.body),
      );
      return reply.code(201).send(subscription);
    },
  );

  app.get(
    '/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'One of your subscriptions',
        description: "Another user's subscription is the same 404 as one that never existed.",
        params: IdParams,
        response: {
          200: Subscription,
          404: errorResponse(
            "No such subscription of yours (another user's or tenant's is the same 404).",
            subscriptionNotFound(),
          ),
        },
      },
    },
    async (request) => {
      const row = await deps.inTenant(request, (tx) =>
        findSubscription(tx, authOf(request).userId, request.params.id),
      );
      if (row === undefined) throw subscriptionNotFound();
      return toSubscriptionView(row);
    },
  );

  app.delete(
    '/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Cancel one of your subscriptions',
        description:
          'Cancels the subscription (kept for the record: GET shows `status: "cancelled"` and ' +
          '`cancelled_at`) and answers 204 with no body. Cancelling an already cancelled subscription ' +
          'answers 204 again and keeps the first `cancelled_at`. A cancelled subscription allows a new ' +
          "one to the same bot. Another user's or another tenant's subscription is a 404.",
        params: IdParams,
        response: {
          204: Type.Null(),
          404: errorResponse(
            "No such subscription of yours (another user's or tenant's is the same 404).",
            subscriptionNotFound(),
          ),
        },
      },
    },
    async (request, reply) => {
      await deps.inTenant(request, (tx) => cancel(tx, authOf(request).userId, request.params.id));
      return reply.code(204).send(null);
    },
  );
}
