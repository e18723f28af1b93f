// The password policy's rules that need no list: the seed's five (app/schemas/user.py), in its order,
// with their messages (clients match on them; the special-character one with the allowed set
// appended, so a client matching the seed's words still does), and the byte and NUL limits that
// close gaps in it (OWASP ASVS 2.1.x). Plain TypeScript with no Node API: the web console imports
// this file to show the policy live, so the browser checks exactly what the server checks.
// policy.ts adds the common-password list, which only the server holds.

/** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut (ASVS 2.4.x). */
export const MAX_PASSWORD_BYTES = 72;

/** The characters that count as special: the seed's set, exactly (CONTRACT.md). `-`, `_`, `+` do not. */
export const SPECIAL_CHARACTERS = '!@#$%^&*(),.?":{}|<>';

export const PASSWORD_POLICY_MESSAGES = Object.freeze({
  tooShort: 'Password must be at least 8 characters long',
  noUppercase: 'Password must contain at least one uppercase letter',
  noLowercase: 'Password must contain at least one lowercase letter',
  noDigit: 'Password must contain at least one digit',
  // The seed's message with the set appended: without it nobody can tell that `-` does not count.
  noSpecial: `Password must contain at least one special character: ${SPECIAL_CHARACTERS}`,
  tooLong: `Password must be at most ${MAX_PASSWORD_BYTES} bytes`,
  nulCharacter: 'Password must not contain a NUL character',
  tooCommon: 'Password is too common',
} as const);

// As the seed's Python regexes: `[A-Z]`, `[a-z]` are ASCII; Python 3's `\d` matches any Unicode
// decimal digit, hence \p{Nd}; the special set is the seed's, exactly (SPECIAL_CHARACTERS).
const UPPERCASE = /[A-Z]/;
const LOWERCASE = /[a-z]/;
const DIGIT = /\p{Nd}/u;
const hasSpecial = (password: string) => [...SPECIAL_CHARACTERS].some((c) => password.includes(c));

/** The policy in a client's words: the description of every schema field that takes a new password. */
export const PASSWORD_POLICY_DESCRIPTION =
  'A new password must have at least 8 characters and at most 72 bytes (UTF-8), and contain an ' +
  `uppercase letter (A-Z), a lowercase letter (a-z), a digit and a special character from ${SPECIAL_CHARACTERS} ` +
  '(other symbols such as - _ + = do not count); no NUL character; common and breached passwords ' +
  '(also with digits or symbols appended) are refused. Each broken rule is one 422 issue at this ' +
  'field, with its own message.';

const encoder = new TextEncoder();
const utf8Length = (text: string) => encoder.encode(text).length;

/** Every rule of this file the password breaks, in the order above; empty when it keeps them all. */
export function checkPasswordRules(password: string): string[] {
  const m = PASSWORD_POLICY_MESSAGES;
  const failures: string[] = [];
  // Python's len() counts code points, not UTF-16 units.
  if ([...password].length < 8) failures.push(m.tooShort);
  if (!UPPERCASE.test(password)) failures.push(m.noUppercase);
  if (!LOWERCASE.test(password)) failures.push(m.noLowercase);
  if (!DIGIT.test(password)) failures.push(m.noDigit);
  if (!hasSpecial(password)) failures.push(m.noSpecial);
  if (utf8Length(password) > MAX_PASSWORD_BYTES) failures.push(m.tooLong);
  // passlib refuses NUL and C bcrypt implementations stop at it: such a hash would not be portable.
  if (password.includes('\0')) failures.push(m.nulCharacter);
  return failures;
}
