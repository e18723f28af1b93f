// Who is signed in, for every page: the user (GET /users/me) once a session exists, the reason a
// session ended (shown on the sign-in page: never a blank page or a loop), and the actions that
// start and end sessions. The tokens themselves stay in api/session.ts.
import type { ReactNode } from 'react';
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, call } from './api/client.ts';
import type { SessionEnd } from './api/session.ts';
import { acceptTokens, endSession, onSessionChange, refresh } from './api/session.ts';
import type { Me } from './api/types.ts';

type State =
  | { status: 'starting' }
  | { status: 'signed-out'; ended?: SessionEnd }
  | { status: 'signed-in'; user: Me };

interface Session {
  state: State;
  user: Me | undefined;
  hasRole(role: 'admin' | 'user' | 'operator'): boolean;
  signIn(email: string, password: string): Promise<void>;
  signOut(everywhere?: boolean): Promise<void>;
  /** Reads the user again (after a profile change). */
  reload(): Promise<void>;
  /** Takes a token response that replaced the session (a password change ends the others). */
  replaceTokens(body: { access_token: string; expires_in: number }): void;
}

const SessionContext = createContext<Session | undefined>(undefined);

async function loadMe(): Promise<Me> {
  return call(api.GET('/api/v1/users/me'));
}

export function SessionProvider(props: { children: ReactNode }) {
  const [state, setState] = useState<State>({ status: 'starting' });

  const reload = useCallback(async () => {
    setState({ status: 'signed-in', user: await loadMe() });
  }, []);

  useEffect(() => {
    const stop = onSessionChange((change) => {
      if (!change.signedIn)
        setState({ status: 'signed-out', ...(change.ended ? { ended: change.ended } : {}) });
    });
    // A reload, a new tab or a shared link: the refresh cookie may still hold a session.
    refresh()
      .then(async (alive) => {
        if (alive) await reload();
        else setState((current) => (current.status === 'starting' ? { status: 'signed-out' } : current));
      })
      .catch(() => setState({ status: 'signed-out' }));
    return stop;
  }, [reload]);

  const session = useMemo<Session>(() => {
    const user = state.status === 'signed-in' ? state.user : undefined;
    return {
      state,
      user,
      hasRole: (role) => user?.roles.includes(role) === true,
      async signIn(email, password) {
        const tokens = await call(
          api.POST('/api/v1/auth/token', { body: { username: email, password, cookie: true } }),
        );
        acceptTokens(tokens);
        await reload();
      },
      async signOut(everywhere = false) {
        try {
          await call(api.POST(everywhere ? '/api/v1/auth/logout-all' : '/api/v1/auth/logout'));
        } finally {
          // Whatever the API answered, this browser forgets the session (its cookies are cleared
          // by the answer; the in-memory token here).
          endSession('signed-out');
        }
      },
      reload,
      replaceTokens: acceptTokens,
    };
  }, [state, reload]);

  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside SessionProvider');
  return session;
}
