// The subscription feature's errors. Another user's subscription, another tenant's bot and an id
// that never existed answer alike: existence is not disclosed (OWASP ASVS 8.2.2). A bot that is
// not there is the bots feature's own 404 (`botNotFound`), so a client sees one "bot not found".
import { AppError, defineErrors } from '../../platform/errors.ts';

export const SUBSCRIPTION_ERRORS = defineErrors({
  SUBSCRIPTION_NOT_FOUND: 404,
  ALREADY_SUBSCRIBED: 409,
});

declare module '../../platform/errors.ts' {
  interface ErrorCatalogues {
    subscriptions: typeof SUBSCRIPTION_ERRORS;
  }
}

export const subscriptionNotFound = (): AppError =>
  new AppError(404, 'SUBSCRIPTION_NOT_FOUND', 'Subscription not found');

export const alreadySubscribed = (): AppError =>
  new AppError(409, 'ALREADY_SUBSCRIBED', 'Already subscribed to this bot');

/** SQLSTATE 23505: the partial unique index allowing one active subscription per user and bot. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
