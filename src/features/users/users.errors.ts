// The users feature's errors: accounts and their sessions, seen by the user (/users/me) and by the
// tenant's admin (/users). Another tenant's user is a 404 like one that never existed (OWASP ASVS 8.2.2).
import { AppError, defineErrors, forbidden } from '../../platform/errors.ts';

export const USER_ERRORS = defineErrors({
  INCORRECT_PASSWORD: 400,
  USER_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  EMAIL_ALREADY_REGISTERED: 409,
  LAST_ADMIN: 409,
});

declare module '../../platform/errors.ts' {
  interface ErrorCatalogues {
    users: typeof USER_ERRORS;
  }
}

export const userNotFound = (): AppError => new AppError(404, 'USER_NOT_FOUND', 'User not found');

export const sessionNotFound = (): AppError => new AppError(404, 'SESSION_NOT_FOUND', 'Session not found');

/** The current password given to change it is wrong (it counts toward brute force, as a login). */
export const incorrectPassword = (): AppError =>
  new AppError(400, 'INCORRECT_PASSWORD', 'Incorrect password');

/** E-mails are unique across the platform: registration and an admin's new user alike. */
export const emailAlreadyRegistered = (): AppError =>
  new AppError(409, 'EMAIL_ALREADY_REGISTERED', 'Email already registered');

export const lastAdmin = (): AppError =>
  new AppError(
    409,
    'LAST_ADMIN',
    'The last active admin of a tenant cannot be removed, deactivated or demoted',
  );

/** No self-escalation (OWASP ASVS 4.1.x). */
export const cannotRaiseOwnRoles = (): AppError => forbidden('You cannot raise your own roles');
