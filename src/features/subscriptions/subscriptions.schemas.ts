// Request and response schemas of the subscription routes; the response is the allow-list of
// what leaves the service (no tenant or user ids: a subscription is only ever shown to its user).
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { NextCursor } from '../../platform/pagination.ts';
import { Uuid } from '../bots/index.ts';

export const PLANS = ['free', 'pro'] as const;
export const SUBSCRIPTION_STATUSES = ['active', 'cancelled'] as const;

export const SubscriptionCreateBody = Type.Object(
  { bot_id: Uuid, plan: Type.Enum(PLANS) },
  { examples: [{ bot_id: '0b6f1c3e-8d2a-4f5b-9c7e-2a1d4e6f8b90', plan: 'pro' }] },
);

export type SubscriptionCreateInput = Static<typeof SubscriptionCreateBody>;

export const Subscription = Type.Object({
  id: Type.String(),
  bot_id: Type.String({
    description:
      'the bot subscribed to; once that bot is deleted (which cancels the subscription) it names a bot that answers 404',
  }),
  plan: Type.Enum(PLANS),
  status: Type.Enum(SUBSCRIPTION_STATUSES),
  created_at: Type.String({ format: 'date-time' }),
  cancelled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export type SubscriptionView = Static<typeof Subscription>;

export const SubscriptionList = Type.Object({ items: Type.Array(Subscription), next_cursor: NextCursor });
