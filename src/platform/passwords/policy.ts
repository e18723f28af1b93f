// Password policy. The first five rules and their messages are the seed's (app/schemas/user.py), in
// its order, and clients match on them; the rest close gaps in it (OWASP ASVS 2.1.x).
import { isCommonPassword } from './common-passwords.ts';

/** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut (ASVS 2.4.x). */
export const MAX_PASSWORD_BYTES = 72;

export const PASSWORD_POLICY_MESSAGES = Object.freeze({
  tooShort: 'Password must be at least 8 characters long',
  noUppercase: 'Password must contain at least one uppercase letter',
  noLowercase: 'Password must contain at least one lowercase letter',
  noDigit: 'Password must contain at least one digit',
  noSpecial: 'Password must contain at least one special character',
  tooLong: `Password must be at most ${MAX_PASSWORD_BYTES} bytes`,
  nulCharacter: 'Password must not contain a NUL character',
  tooCommon: 'Password is too common',
} as const);

// As the seed's Python regexes: `[A-Z]`, `[a-z]` are ASCII; Python 3's `\d` matches any Unicode
// decimal digit, hence \p{Nd}; the special set is the seed's, exactly.
const UPPERCASE = /[A-Z]/;
const LOWERCASE = /[a-z]/;
const DIGIT = /\p{Nd}/u;
const SPECIAL = /[!@#$%^&*(),.?":{}|<>]/;

/** Every rule the password breaks, in the order above; empty when the password is acceptable. */
export function checkPasswordPolicy(password: string): string[] {
  const m = PASSWORD_POLICY_MESSAGES;
  const failures: string[] = [];
  // Python's len() counts code points, not UTF-16 units.
  if ([...password].length < 8) failures.push(m.tooShort);
  if (!UPPERCASE.test(password)) failures.push(m.noUppercase);
  if (!LOWERCASE.test(password)) failures.push(m.noLowercase);
  if (!DIGIT.test(password)) failures.push(m.noDigit);
  if (!SPECIAL.test(password)) failures.push(m.noSpecial);
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) failures.push(m.tooLong);
  // passlib refuses NUL and C bcrypt implementations stop at it: such a hash would not be portable.
  if (password.includes('\0')) failures.push(m.nulCharacter);
  if (isCommonPassword(password)) failures.push(m.tooCommon);
  return failures;
}
