// The subscription feature's errors. Another user's subscription, another tenant's bot and an id
// that never existed answer alike: existence is not disclosed (OWASP ASVS 8.2.2).
import { AppError } from '../../platform/errors.ts';

export const subscriptionNotFound = (): AppError =>
  new AppError(404, 'SUBSCRIPTION_NOT_FOUND', 'Subscription not found');

/** Same code and message as the bots feature's 404, so a client sees one "bot not found". */
export const botNotFound = (): AppError => new AppError(404, 'BOT_NOT_FOUND', 'Bot not found');

export const alreadySubscribed = (): AppError =>
  new AppError(409, 'ALREADY_SUBSCRIBED', 'Already subscribed to this bot');

/** SQLSTATE 23505: the partial unique index allowing one active subscription per user and bot. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
