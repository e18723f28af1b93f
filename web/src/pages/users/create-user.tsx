// An admin adds a user to the tenant (POST /users): the password follows the registration policy,
// shown rule by rule as it is typed (the server's own rules: ui/new-password.tsx), and the
// new user can sign in at once. Invitations, where the user picks the password, come later.
import type { FormEvent } from 'react';
import { useState } from 'react';
import { api, call } from '../../api/client.ts';
import { ErrorNotice, Notice } from '../../ui/feedback.tsx';
import { fieldErrors, formLevelError, TextField } from '../../ui/field.tsx';
import { NewPasswordField } from '../../ui/new-password.tsx';
import type { GrantableRole } from './role-choice.tsx';
import { RoleChoice } from './role-choice.tsx';

const FIELDS = ['email', 'password', 'full_name', 'roles'] as const;

const EMPTY = { email: '', password: '', full_name: '' };

export function CreateUserForm(props: { onCreated: () => void }) {
  const [form, setForm] = useState(EMPTY);
  const [roles, setRoles] = useState<GrantableRole[]>(['user']);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<string>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error, FIELDS);
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [field]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setCreated(undefined);
    try {
      const user = await call(api.POST('/api/v1/users', { body: { ...form, roles } }));
      setCreated(user.email);
      setForm(EMPTY);
      setRoles(['user']);
      props.onCreated();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} className="card" noValidate aria-labelledby="add-user">
      <h2 id="add-user">Add a user</h2>
      <TextField
        label="E-mail"
        type="email"
        name="email"
        autoComplete="off"
        required
        value={form.email}
        onChange={set('email')}
        errors={errors.byField.email}
      />
      <TextField
        label="Full name"
        name="full_name"
        autoComplete="off"
        required
        value={form.full_name}
        onChange={set('full_name')}
        errors={errors.byField.full_name}
      />
      <NewPasswordField
        label="Password"
        name="password"
        value={form.password}
        onChange={set('password')}
        errors={errors.byField.password}
        note="Give it to the user by a safe channel; they can change it under My account."
      />
      <RoleChoice legend="Roles" roles={roles} onChange={setRoles} errors={errors.byField.roles} />
      <ErrorNotice error={formLevelError(error, FIELDS)} />
      {created !== undefined && <Notice>{created} was added and can sign in now.</Notice>}
      <button type="submit" className="button-primary" disabled={busy || roles.length === 0}>
        {busy ? 'Adding…' : 'Add user'}
      </button>
    </form>
  );
}
