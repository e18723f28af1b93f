// The frame of every signed-in page: a skip link (WCAG 2.4.1), the navigation the user's roles
// allow, who is signed in with the sign-out actions, and the page itself in <main>.
import type { ReactNode } from 'react';
import { Link, useLocation } from './router.tsx';
import { useSession } from './session-context.tsx';

interface NavItem {
  to: string;
  label: string;
  /** Shown only to users holding one of these roles; every signed-in user when absent. */
  roles?: readonly ('admin' | 'operator')[];
}

export const NAVIGATION: readonly NavItem[] = [
  { to: '/bots', label: 'Bots' },
  { to: '/subscriptions', label: 'Subscriptions' },
  { to: '/users', label: 'Users', roles: ['admin'] },
  { to: '/audit-log', label: 'Audit log', roles: ['admin'] },
  { to: '/security-events', label: 'Security events', roles: ['admin', 'operator'] },
  { to: '/blocked-ips', label: 'Blocked IPs', roles: ['operator'] },
  { to: '/tenant', label: 'Tenant', roles: ['admin'] },
];

export function Layout(props: { children: ReactNode }) {
  const session = useSession();
  const { path } = useLocation();
  const user = session.user;
  const visible = NAVIGATION.filter(
    (item) => item.roles === undefined || item.roles.some((role) => session.hasRole(role)),
  );
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/bots" className="brand">
          TradeWise
        </Link>
        <nav aria-label="Main">
          <ul>
            {visible.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={path.startsWith(item.to) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {user !== undefined && (
          <div className="who">
            <Link to="/account" aria-current={path === '/account' ? 'page' : undefined}>
              {user.full_name || user.email}
            </Link>
            <button type="button" className="button-link" onClick={() => void session.signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
