import type { FormEvent } from 'react';
import { useState } from 'react';
import { api, call } from '../api/client.ts';
import { Link, navigate, usePageTitle } from '../router.tsx';
import { useSession } from '../session-context.tsx';
import { ErrorNotice } from '../ui/feedback.tsx';
import { fieldErrors, formLevelError, TextField } from '../ui/field.tsx';
import { NewPasswordField } from '../ui/new-password.tsx';

const FIELDS = ['email', 'password', 'full_name', 'tenant_name'] as const;

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
        <NewPasswordField
          label="Password"
          name="password"
          value={form.password}
          onChange={set('password')}
          errors={errors.byField.password}
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
