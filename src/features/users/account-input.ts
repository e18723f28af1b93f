// Rules for the two account fields that need more than a schema: the e-mail (normalised, then
// checked) and a new password (the platform's password policy). Failures are 422s in FastAPI's
// list shape at the field's location, like schema failures.
import { ValidationFailed } from '../../platform/errors.ts';
import { checkPasswordPolicy } from '../../platform/passwords/index.ts';

export const MAX_EMAIL_LENGTH = 254;

/**
 * The one form an e-mail is stored and looked up in: trimmed, Unicode NFC, lower-case. Lower-casing
 * the local part is a deliberate simplification (RFC 5321 lets it be case-sensitive; no real
 * mailbox provider makes it so), and it is what makes the address unique across the platform.
 */
export function normaliseEmail(raw: string): string {
  return raw.trim().normalize('NFC').toLowerCase();
}

// A pragmatic address check (WHATWG's "valid e-mail address" shape, allowing non-ASCII):
// one @, a non-empty local part without spaces or quotes, a dotted domain of sane labels.
const LOCAL = /^[^\s@"(),:;<>[\]\\]{1,64}$/u;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

export function isValidEmail(email: string): boolean {
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return false;
  const at = email.lastIndexOf('@');
  if (at <= 0 || email.indexOf('@') !== at) return false;
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  if (!LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return false;
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label));
}

/** The normalised e-mail, or a 422 at `loc` when it is not an acceptable address. */
export function acceptEmail(raw: string, loc: (string | number)[] = ['body', 'email']): string {
  const email = normaliseEmail(raw);
  if (!isValidEmail(email)) {
    throw new ValidationFailed([{ loc, msg: 'value is not a valid email address', type: 'value_error' }]);
  }
  return email;
}

/** Refuses a new password that breaks the policy: one 422 issue per broken rule, seed messages. */
export function acceptNewPassword(password: string, loc: (string | number)[] = ['body', 'password']): void {
  const failures = checkPasswordPolicy(password);
  if (failures.length > 0) {
    throw new ValidationFailed(failures.map((msg) => ({ loc, msg, type: 'value_error' })));
  }
}
