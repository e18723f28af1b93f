// The auth feature's errors. A wrong password and an unknown e-mail are one answer, in body,
// headers and timing (OWASP ASVS 2.2.x, CWE-204); a token that fails any check is the platform's
// NOT_AUTHENTICATED, one fixed message whatever the reason (the reason goes to the security event).
import { AppError, defineErrors, forbidden } from '../../platform/errors.ts';

export const AUTH_ERRORS = defineErrors({
  INACTIVE_USER: 400,
  INVALID_CREDENTIALS: 401,
  CSRF_CHECK_FAILED: 403,
});

declare module '../../platform/errors.ts' {
  interface ErrorCatalogues {
    auth: typeof AUTH_ERRORS;
  }
}

export const invalidCredentials = (): AppError =>
  new AppError(401, 'INVALID_CREDENTIALS', 'Incorrect username or password', {
    'www-authenticate': 'Bearer',
  });

/** The seed's answer for a deactivated account (a valid token, or the right password). */
export const inactiveUser = (): AppError => new AppError(400, 'INACTIVE_USER', 'Inactive user');

/** A cookie-authenticated request without the double-submit token or from a foreign origin. */
export const csrfCheckFailed = (): AppError => new AppError(403, 'CSRF_CHECK_FAILED', 'CSRF check failed');

/** The route's role guard refused: the role is not named, only the lack of it. */
export const notEnoughPermissions = (): AppError => forbidden('Not enough permissions');
