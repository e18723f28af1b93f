import type { FormEvent } from 'react';
import { useState } from 'react';
import type { SessionEnd } from '../api/session.ts';
import { Link, navigate, usePageTitle } from '../router.tsx';
import { useSession } from '../session-context.tsx';
import { ErrorNotice, Notice } from '../ui/feedback.tsx';
import { TextField } from '../ui/field.tsx';

const ENDED: Record<SessionEnd, string> = {
  'signed-out': 'You signed out.',
  'signed-out-elsewhere': 'You signed out in another tab.',
  ended: 'Your session has ended (it expired, or was signed out elsewhere). Sign in again to continue.',
  deactivated: 'Your account is deactivated. Ask an administrator of your tenant to reactivate it.',
};

/** Where to go after signing in: only a path of this console, never another origin (open redirect). */
export function safeNext(next: string | null): string {
  return next !== null && /^\/[a-z0-9/-]*$/i.test(next) && !next.startsWith('//') ? next : '/bots';
}

export function SignInPage(props: { next: string | null }) {
  usePageTitle('Sign in');
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ended = session.state.status === 'signed-out' ? session.state.ended : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await session.signIn(email, password);
      navigate(safeNext(props.next), { replace: true });
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <h1>Sign in to TradeWise</h1>
      {ended !== undefined && error === undefined && <Notice>{ENDED[ended]}</Notice>}
      <form onSubmit={(event) => void submit(event)} className="card" noValidate>
        <TextField
          label="E-mail"
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <ErrorNotice error={error} />
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New to TradeWise? <Link to="/sign-up">Create an account for your team</Link>
      </p>
    </div>
  );
}
