// The bot feature's errors. A bot of another tenant and a bot that never existed get the same 404,
// byte for byte: existence is not disclosed across tenants (OWASP ASVS 8.2.2).
import { AppError, defineErrors } from '../../platform/errors.ts';

export const BOT_ERRORS = defineErrors({
  BOT_NOT_FOUND: 404,
  BOT_NOT_CONNECTABLE: 409,
  BOT_TOKEN_UNREADABLE: 409,
});

declare module '../../platform/errors.ts' {
  interface ErrorCatalogues {
    bots: typeof BOT_ERRORS;
  }
}

export const botNotFound = (): AppError => new AppError(404, 'BOT_NOT_FOUND', 'Bot not found');

export const botNotConnectable = (): AppError =>
  new AppError(409, 'BOT_NOT_CONNECTABLE', 'Bot has no API URL and token to test');

/** The stored token cannot be opened (tampered, moved from another row, key removed): set it again. */
export const botTokenUnreadable = (): AppError =>
  new AppError(409, 'BOT_TOKEN_UNREADABLE', 'Stored API token cannot be used; set it again');
