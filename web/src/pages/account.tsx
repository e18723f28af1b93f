// My account (every signed-in user): the name (PATCH /users/me), the password (POST
// /users/me/password), the live sessions (GET /users/me/sessions) with ending one (DELETE
// /users/me/sessions/{id}), and signing out everywhere (POST /auth/logout-all).
//
// A password change ends every session of the user, this one included, and answers a token pair
// for a new session (me.routes.ts): asked with `cookie: true`, the new refresh token replaces this
// browser's tw_refresh cookie, and the access token is handed to the session (replaceTokens), so
// this browser stays signed in while every other device is signed out.
import type { FormEvent } from 'react';
import { useState } from 'react';
import { ApiError, api, call } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { usePageTitle } from '../router.tsx';
import { useSession } from '../session-context.tsx';
import { ConfirmButton } from '../ui/confirm.tsx';
import { usePaged } from '../ui/data.ts';
import { EmptyState, ErrorNotice, Notice } from '../ui/feedback.tsx';
import { fieldErrors, formLevelError, TextField } from '../ui/field.tsx';
import { Time } from '../ui/format.tsx';
import { NewPasswordField } from '../ui/new-password.tsx';
import { Pager } from '../ui/pager.tsx';

const BROWSERS: readonly [RegExp, string][] = [
  // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\//, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\b(Headless)?Chrom(e|ium)\/|\bCriOS\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*Safari\//, 'Safari'],
];

const SYSTEMS: readonly [RegExp, string][] = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bLinux\b/, 'Linux'],
];

/** A user agent in words ("Chrome on Linux"); a program's own name otherwise ("curl"). */
export function describeDevice(userAgent: string | null): string {
  if (userAgent === null || userAgent.trim() === '') return 'Unknown device';
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser !== undefined) return system === undefined ? browser : `${browser} on ${system}`;
  // Not a browser: a script or a client library, which usually names itself first ("curl/8.5").
  const program = userAgent.split(/[\s/]/)[0] ?? '';
  const named = program === '' || program === 'Mozilla' ? 'Unknown browser' : `Program: ${program}`;
  return system === undefined ? named : `${named} on ${system}`;
}

function Profile() {
  const session = useSession();
  const user = session.user;
  const [fullName, setFullName] = useState(user?.full_name ?? '');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error, ['full_name']);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await call(api.PATCH('/api/v1/users/me', { body: { full_name: fullName } }));
      await session.reload();
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} className="card" noValidate aria-labelledby="profile">
      <h2 id="profile">Profile</h2>
      <dl className="details">
        <dt>E-mail</dt>
        <dd className="wrap">{user?.email}</dd>
        <dt>Roles</dt>
        <dd>{user?.roles.join(', ')}</dd>
      </dl>
      <TextField
        label="Full name"
        name="full_name"
        autoComplete="name"
        required
        value={fullName}
        onChange={(event) => setFullName(event.target.value)}
        errors={errors.byField.full_name}
      />
      <ErrorNotice error={formLevelError(error, ['full_name'])} />
      {saved && <Notice>Your name was saved.</Notice>}
      <button type="submit" className="button-primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save name'}
      </button>
    </form>
  );
}

const PASSWORD_FIELDS = ['current_password', 'new_password'] as const;

function PasswordChange(props: { onChanged: () => void }) {
  const session = useSession();
  const [form, setForm] = useState({ current_password: '', new_password: '' });
  const [error, setError] = useState<unknown>();
  const [changed, setChanged] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error, PASSWORD_FIELDS);
  // A wrong current password is a 400 (INCORRECT_PASSWORD), not a 422: it still belongs to its field.
  const wrongCurrent = error instanceof ApiError && error.code === 'INCORRECT_PASSWORD';
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [field]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setChanged(false);
    try {
      const tokens = await call(api.POST('/api/v1/users/me/password', { body: { ...form, cookie: true } }));
      session.replaceTokens(tokens);
      setForm({ current_password: '', new_password: '' });
      setChanged(true);
      props.onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} className="card" noValidate aria-labelledby="password">
      <h2 id="password">Password</h2>
      <p>Changing it signs out every other browser and device; this one stays signed in.</p>
      <TextField
        label="Current password"
        type="password"
        name="current_password"
        autoComplete="current-password"
        required
        value={form.current_password}
        onChange={set('current_password')}
        errors={wrongCurrent ? ['The current password is not right.'] : errors.byField.current_password}
      />
      <NewPasswordField
        label="New password"
        name="new_password"
        value={form.new_password}
        onChange={set('new_password')}
        errors={errors.byField.new_password}
      />
      <ErrorNotice error={wrongCurrent ? undefined : formLevelError(error, PASSWORD_FIELDS)} />
      {changed && <Notice>Your password was changed. Your other sessions were signed out.</Notice>}
      <button type="submit" className="button-primary" disabled={busy}>
        {busy ? 'Changing…' : 'Change password'}
      </button>
    </form>
  );
}

function SessionRow(props: { item: Session; onEnded: () => void }) {
  const { item, onEnded } = props;
  const session = useSession();
  const [error, setError] = useState<unknown>();
  const device = describeDevice(item.user_agent);
  const where = item.ip ?? 'an unknown address';

  const end = async () => {
    setError(undefined);
    try {
      await call(api.DELETE('/api/v1/users/me/sessions/{id}', { params: { path: { id: item.id } } }));
    } catch (caught) {
      setError(caught);
      return;
    }
    if (item.current) {
      // This browser's own session is over: forget it here too (and clear its cookies, which the
      // logout answer does; it may be refused now that the session is ended, which changes nothing).
      await session.signOut().catch(() => undefined);
    } else {
      onEnded();
    }
  };

  return (
    <tr>
      <td className="wrap">
        {device}
        {item.current && <span className="tag tag-ok">This browser</span>}
      </td>
      <td className="mono">{item.ip ?? '—'}</td>
      <td>
        <Time iso={item.last_used_at} />
      </td>
      <td>
        <Time iso={item.created_at} />
      </td>
      <td>
        <button
          type="button"
          className="button-secondary"
          aria-label={item.current ? 'Sign out this browser' : `Sign out ${device} at ${where}`}
          onClick={() => void end()}
        >
          Sign out
        </button>
        <ErrorNotice error={error} />
      </td>
    </tr>
  );
}

function Sessions(props: { generation: number }) {
  const paged = usePaged(
    (cursor) =>
      call(
        api.GET('/api/v1/users/me/sessions', { params: { query: cursor === undefined ? {} : { cursor } } }),
      ),
    [props.generation],
  );
  const items = paged.data?.items;
  return (
    <section className="card" aria-labelledby="sessions">
      <h2 id="sessions">Where you are signed in</h2>
      <ErrorNotice error={paged.error} retry={paged.reload} />
      {items !== undefined && items.length === 0 && (
        <EmptyState title="No other sessions on this page.">
          <p>Go back to the first page to see this browser's session.</p>
        </EmptyState>
      )}
      {items !== undefined && items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Your sessions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Address</th>
                <th scope="col">Last used</th>
                <th scope="col">Signed in</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <SessionRow key={item.id} item={item} onEnded={paged.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager paged={paged} label="Sessions" />
    </section>
  );
}

function SignOutEverywhere() {
  const session = useSession();
  const [error, setError] = useState<unknown>();
  return (
    <section className="card" aria-labelledby="everywhere">
      <h2 id="everywhere">Sign out everywhere</h2>
      <p>Ends every session of yours, this browser's included: use it if a device was lost or shared.</p>
      <ConfirmButton
        label="Sign out everywhere"
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        danger
        onConfirm={() => session.signOut(true).catch(setError)}
      >
        <p>Every browser and device signed in as you, this one included, must sign in again.</p>
      </ConfirmButton>
      <ErrorNotice error={error} />
    </section>
  );
}

export function AccountPage() {
  usePageTitle('My account');
  // Bumped by a password change, which ended every earlier session: the list is read again.
  const [generation, setGeneration] = useState(0);
  return (
    <div className="page">
      <div className="page-head">
        <h1>My account</h1>
      </div>
      <Profile />
      <PasswordChange onChanged={() => setGeneration((n) => n + 1)} />
      <Sessions generation={generation} />
      <SignOutEverywhere />
    </div>
  );
}
