// The console: who may see which page, and the page for each path (router.tsx's CONSOLE_ROUTES).
// Signed out, every page but sign-in and sign-up shows sign-in (and comes back after it); a page
// that needs a role the user lacks says so instead of showing the API's 403.
import type { ReactNode } from 'react';
import { Fragment, useEffect } from 'react';
import { Layout } from './layout.tsx';
import { AccountPage } from './pages/account.tsx';
import { AuditLogPage } from './pages/audit-log.tsx';
import { BlockedIpsPage } from './pages/blocked-ips.tsx';
import { BotDetailPage, BotNewPage, BotsPage } from './pages/bots.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { SecurityEventsPage } from './pages/security-events.tsx';
import { SignInPage, safeNext } from './pages/sign-in.tsx';
import { SignUpPage } from './pages/sign-up.tsx';
import { SubscriptionsPage } from './pages/subscriptions.tsx';
import { TenantPage } from './pages/tenant.tsx';
import { UsersPage } from './pages/users.tsx';
import { match, navigate, useLocation } from './router.tsx';
import { SessionProvider, useSession } from './session-context.tsx';
import { Busy, RetryBanner } from './ui/feedback.tsx';

type Role = 'admin' | 'operator';

function RequireRole(props: { roles: readonly Role[]; children: ReactNode }) {
  const session = useSession();
  if (props.roles.some((role) => session.hasRole(role))) return <>{props.children}</>;
  const needed = props.roles.join(' or ');
  return (
    <div className="page">
      <h1>Not available to you</h1>
      <p>
        This page needs the {needed} role.{' '}
        {props.roles.includes('admin') && 'Ask an administrator of your tenant.'}
        {props.roles.includes('operator') &&
          ' Operators are made with the command line (npx tradewise create-operator).'}
      </p>
    </div>
  );
}

function Redirect(props: { to: string }) {
  useEffect(() => navigate(props.to, { replace: true }), [props.to]);
  return null;
}

function Pages() {
  const session = useSession();
  const { path, query } = useLocation();
  const route = match(path);
  const publicPage = route?.pattern === '/sign-in' || route?.pattern === '/sign-up';

  if (session.state.status === 'starting') {
    return (
      <main id="main" className="auth-page">
        <Busy label="Opening your console…" />
      </main>
    );
  }
  if (session.state.status === 'signed-out') {
    if (route?.pattern === '/sign-up') {
      return (
        <main id="main">
          <SignUpPage />
        </main>
      );
    }
    if (route?.pattern !== '/sign-in') {
      // Back (after sign-out) or a bookmarked page: sign-in, and back here after it.
      const next = route === undefined || route.pattern === '/' ? '' : `?next=${encodeURIComponent(path)}`;
      return <Redirect to={`/sign-in${next}`} />;
    }
    return (
      <main id="main">
        <SignInPage next={query.get('next')} />
      </main>
    );
  }
  if (publicPage || route?.pattern === '/') return <Redirect to={safeNext(query.get('next'))} />;

  let page: ReactNode;
  switch (route?.pattern) {
    case '/bots':
      page = <BotsPage />;
      break;
    case '/bots/new':
      page = <BotNewPage />;
      break;
    case '/bots/:id':
      page = <BotDetailPage id={route.params.id ?? ''} />;
      break;
    case '/subscriptions':
      page = <SubscriptionsPage />;
      break;
    case '/account':
      page = <AccountPage />;
      break;
    case '/users':
      page = (
        <RequireRole roles={['admin']}>
          <UsersPage />
        </RequireRole>
      );
      break;
    case '/tenant':
      page = (
        <RequireRole roles={['admin']}>
          <TenantPage />
        </RequireRole>
      );
      break;
    case '/audit-log':
      page = (
        <RequireRole roles={['admin']}>
          <AuditLogPage />
        </RequireRole>
      );
      break;
    case '/security-events':
      page = (
        <RequireRole roles={['admin', 'operator']}>
          <SecurityEventsPage />
        </RequireRole>
      );
      break;
    case '/blocked-ips':
      page = (
        <RequireRole roles={['operator']}>
          <BlockedIpsPage />
        </RequireRole>
      );
      break;
    default:
      page = <NotFoundPage />;
  }
  // Keyed by path: a page's state (forms, cursors) starts fresh on every navigation.
  return (
    <Layout>
      <Fragment key={path}>{page}</Fragment>
    </Layout>
  );
}

export function App() {
  return (
    <SessionProvider>
      {/* On every page, signed in or not: sign-in itself can meet a 503. */}
      <RetryBanner />
      <Pages />
    </SessionProvider>
  );
}
