// The fields a person types to have an account: e-mail, password, names. Registration, user
// administration and login all take them by these schemas (and check them with account-input.ts).
import { Type } from 'typebox';
import { PASSWORD_POLICY_DESCRIPTION } from '../../platform/passwords/index.ts';
import { textRule } from '../../platform/text-rules.ts';

export const Email = Type.String({
  minLength: 1,
  maxLength: 320,
  description:
    'stored and compared in its canonical form: trimmed, NFKC, lower-case, the domain as its IDNA A-label ' +
    '(bücher.de → xn--bcher-kva.de); invisible and control characters are refused',
  ...textRule('strict'),
});
// The schema only bounds the size; the policy (checkPasswordPolicy) gives the seed's messages,
// including "at most 72 bytes" — so 64+ characters of ASCII are fine.
export const Password = Type.String({ maxLength: 1024 });
/** A password being set (registration, a user created by an admin, a change): the policy documented. */
export const NewPassword = Type.String({ maxLength: 1024, description: PASSWORD_POLICY_DESCRIPTION });
// Names are shown to other people (user lists, audit records, alerts): no invisible or control
// characters (platform/text-rules.ts).
export const FullName = Type.String({ minLength: 1, maxLength: 200, ...textRule('name') });
export const TenantName = Type.String({ minLength: 1, maxLength: 200, ...textRule('name') });
