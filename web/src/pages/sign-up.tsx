import type { FormEvent } from 'react';
import { useState } from 'react';
// The server's own rules, the same file it checks with: what this page shows as met is what the
// API accepts (only the common-password list, which stays on the server, can still refuse).
import {
  checkPasswordRules,
  PASSWORD_POLICY_MESSAGES,
} from '../../../src/platform/passwords/policy-rules.ts';
import { api, call } from '../api/client.ts';
import { Link, navigate, usePageTitle } from '../router.tsx';
import { useSession } from '../session-context.tsx';
import { ErrorNotice } from '../ui/feedback.tsx';
import { fieldErrors, formLevelError, TextField } from '../ui/field.tsx';

const FIELDS = ['email', 'password', 'full_name', 'tenant_name'] as const;

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
export function PasswordRules(props: { password: string; id?: string }) {
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

export function SignUpPage() {
  usePageTitle('Create an account');
  const session = useSession();
  const [form, setForm] = useState({ email: '', password: '', full_name: '', tenant_name: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error, FIELDS);
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [field]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        email: form.email,
        password: form.password,
        full_name: form.full_name,
        ...(form.tenant_name.trim() === '' ? {} : { tenant_name: form.tenant_name }),
      };
      await call(api.POST('/api/v1/auth/register', { body }));
      await session.signIn(form.email, form.password);
      navigate('/bots', { replace: true });
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <h1>Create your team's account</h1>
      <p>You become the administrator of a new tenant, and can add your team afterwards.</p>
      <form onSubmit={(event) => void submit(event)} className="card" noValidate>
        <TextField
          label="Team (tenant) name"
          name="tenant_name"
          autoComplete="organization"
          value={form.tenant_name}
          onChange={set('tenant_name')}
          errors={errors.byField.tenant_name}
          hint="Optional: your full name is used when left empty."
        />
        <TextField
          label="Full name"
          name="full_name"
          autoComplete="name"
          required
          value={form.full_name}
          onChange={set('full_name')}
          errors={errors.byField.full_name}
        />
        <TextField
          label="E-mail"
          type="email"
          name="email"
          autoComplete="email"
          required
          value={form.email}
          onChange={set('email')}
          errors={errors.byField.email}
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          value={form.password}
          onChange={set('password')}
          errors={errors.byField.password}
          hint={<PasswordRules password={form.password} />}
        />
        <ErrorNotice error={formLevelError(error, FIELDS)} />
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </div>
  );
}
