// A small history router: the console has a dozen pages and no nested layouts, which a route table
// and `pushState` cover in a few lines (react-router would add ~20 KB gzipped to the first load).
import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from 'react';
import { useEffect, useSyncExternalStore } from 'react';
import type { RoutePattern } from './routes.ts';
import { CONSOLE_ROUTES } from './routes.ts';

export type { RoutePattern } from './routes.ts';

const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => `${location.pathname}${location.search}`;

/** The current path and query, re-rendering on every navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const current = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(current, location.origin);
  return { path: url.pathname, query: url.searchParams };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace === true) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

/** Replaces the query string of the current page (filters, cursors), keeping one history entry. */
export function setQuery(values: Record<string, string | undefined>): void {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values))
    if (value !== undefined && value !== '') query.set(key, value);
  const text = query.toString();
  navigate(`${location.pathname}${text === '' ? '' : `?${text}`}`, { replace: true });
}

/** The pattern `path` matches and its parameters, or undefined. */
export function match(path: string): { pattern: RoutePattern; params: Record<string, string> } | undefined {
  const parts = path.replace(/\/+$/, '').split('/');
  for (const pattern of CONSOLE_ROUTES) {
    const expected = pattern === '/' ? [''] : pattern.split('/');
    if (expected.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = expected.every((segment, i) => {
      const actual = parts[i] ?? '';
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = decodeURIComponent(actual);
        return actual !== '';
      }
      return segment === actual;
    });
    if (fits) return { pattern, params };
  }
  return undefined;
}

/** An in-console link: a real <a href> (open in a new tab works), navigated without a reload. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; children: ReactNode }) {
  const { to, onClick, ...rest } = props;
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    event.preventDefault();
    navigate(to);
  };
  return <a {...rest} href={to} onClick={follow} />;
}

/** Sets the document title (WCAG 2.4.2), so each page is named in tabs, history and screen readers. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · TradeWise`;
  }, [title]);
}
