// Subscriptions: a user's subscriptions to bots of their tenant (CONTRACT.md "Subscriptions").
// Each user sees and changes only their own; another user's or another tenant's id is a 404.
// DELETE cancels rather than erases (status `cancelled`, kept for the record) and answers 200 with
// the cancelled subscription; cancelling again is harmless and answers the same.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.ts';
import { ErrorBody } from '../../platform/errors.ts';
import { IdParams } from '../bots/bots.schemas.ts';
import { decodeCursor, ListQuery, toPage } from '../bots/pagination.ts';
import { subscriptionNotFound } from './subscriptions.errors.ts';
import { findSubscription, listSubscriptions } from './subscriptions.repository.ts';
import { Subscription, SubscriptionCreateBody, SubscriptionList } from './subscriptions.schemas.ts';
import { cancel, subscribe, toSubscriptionView } from './subscriptions.service.ts';

const tags = ['subscriptions'];

const userOf = (request: FastifyRequest): string => request.auth?.userId as string;

export async function subscriptionRoutes(plugin: FastifyInstance, deps: AppDeps) {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/subscriptions',
    { schema: { tags, querystring: ListQuery, response: { 200: SubscriptionList } } },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = decodeCursor(cursor);
      const rows = await deps.inTenant(request, (tx) =>
        listSubscriptions(tx, userOf(request), { after, limit }),
      );
      return toPage(rows, limit, toSubscriptionView);
    },
  );

  app.post(
    '/subscriptions',
    {
      schema: {
        tags,
        body: SubscriptionCreateBody,
        response: { 201: Subscription, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const subscription = await deps.inTenant(request, (tx) => subscribe(tx, userOf(request), request.body));
      return reply.code(201).send(subscription);
    },
  );

  app.get(
    '/subscriptions/:id',
    { schema: { tags, params: IdParams, response: { 200: Subscription, 404: ErrorBody } } },
    async (request) => {
      const row = await deps.inTenant(request, (tx) =>
        findSubscription(tx, userOf(request), request.params.id),
      );
      if (row === undefined) throw subscriptionNotFound();
      return toSubscriptionView(row);
    },
  );

  app.delete(
    '/subscriptions/:id',
    { schema: { tags, params: IdParams, response: { 200: Subscription, 404: ErrorBody } } },
    async (request) => deps.inTenant(request, (tx) => cancel(tx, userOf(request), request.params.id)),
  );
}
