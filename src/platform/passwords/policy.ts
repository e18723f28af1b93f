// Password policy: the rules a browser can check too (policy-rules.ts) and the common-password list
// (OWASP ASVS 2.1.7), which only the server holds.
import { isCommonPassword } from './common-passwords.ts';
import { checkPasswordRules, PASSWORD_POLICY_MESSAGES } from './policy-rules.ts';

export {
  MAX_PASSWORD_BYTES,
  PASSWORD_POLICY_DESCRIPTION,
  PASSWORD_POLICY_MESSAGES,
  SPECIAL_CHARACTERS,
} from './policy-rules.ts';

/** Every rule the password breaks (the rules in their order, then the list); empty when it is acceptable. */
export function checkPasswordPolicy(password: string): string[] {
  const failures = checkPasswordRules(password);
  if (isCommonPassword(password)) failures.push(PASSWORD_POLICY_MESSAGES.tooCommon);
  return failures;
}
