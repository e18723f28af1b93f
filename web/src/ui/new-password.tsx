// A field that sets a password, with the policy shown rule by rule as it is typed. The rules are
// the server's own, from the file it checks with (src/platform/passwords/policy-rules.ts): what is
// shown as met is what the API accepts; only the common-password list, which stays on the server,
// can still refuse (its 422 is shown under the field like any other).
import type { ChangeEventHandler, ReactNode } from 'react';
import {
  checkPasswordRules,
  PASSWORD_POLICY_MESSAGES,
} from '../../../src/platform/passwords/policy-rules.ts';
import { TextField } from './field.tsx';

/** The rules shown as a checklist, in the server's order and words. */
const RULES = [
  PASSWORD_POLICY_MESSAGES.tooShort,
  PASSWORD_POLICY_MESSAGES.noUppercase,
  PASSWORD_POLICY_MESSAGES.noLowercase,
  PASSWORD_POLICY_MESSAGES.noDigit,
  PASSWORD_POLICY_MESSAGES.noSpecial,
  PASSWORD_POLICY_MESSAGES.tooLong,
];

const RULE_LABELS: Record<string, string> = {
  [PASSWORD_POLICY_MESSAGES.tooShort]: 'At least 8 characters',
  [PASSWORD_POLICY_MESSAGES.noUppercase]: 'An uppercase letter (A–Z)',
  [PASSWORD_POLICY_MESSAGES.noLowercase]: 'A lowercase letter (a–z)',
  [PASSWORD_POLICY_MESSAGES.noDigit]: 'A digit',
  [PASSWORD_POLICY_MESSAGES.noSpecial]: 'A special character: !@#$%^&*(),.?":{}|<>',
  [PASSWORD_POLICY_MESSAGES.tooLong]: 'At most 72 bytes',
};

/** The password policy, each rule marked as met or not while the user types. */
function PasswordRules(props: { password: string; id?: string }) {
  const broken = new Set(checkPasswordRules(props.password));
  return (
    <ul className="rules" id={props.id}>
      {RULES.map((rule) => {
        const met = !broken.has(rule);
        return (
          <li key={rule} className={met ? 'rule-met' : 'rule-unmet'}>
            <span aria-hidden="true">{met ? '✓' : '•'}</span> {RULE_LABELS[rule]}
            <span className="visually-hidden">{met ? ' (met)' : ' (not met yet)'}</span>
          </li>
        );
      })}
    </ul>
  );
}

/** Sign-up, an admin's new user, a password change: the same field, the same live rules. */
export function NewPasswordField(props: {
  label: string;
  name: string;
  value: string;
  onChange: ChangeEventHandler<HTMLInputElement>;
  errors?: string[] | undefined;
  /** Said above the rules ("Give it to the user by a safe channel…"). */
  note?: ReactNode;
}) {
  return (
    <TextField
      label={props.label}
      type="password"
      name={props.name}
      autoComplete="new-password"
      required
      value={props.value}
      onChange={props.onChange}
      errors={props.errors}
      hint={
        <>
          {props.note}
          <PasswordRules password={props.value} />
        </>
      }
    />
  );
}
