// Every page's path, as the server must serve it (src/platform/web-console.ts answers each with
// index.html, so a reload or a shared link opens the same page). `:id` is one path segment. Plain
// data, no React: the server imports this file.
export const CONSOLE_ROUTES = [
  '/',
  '/sign-in',
  '/sign-up',
  '/bots',
  '/bots/new',
  '/bots/:id',
  '/subscriptions',
  '/users',
  '/account',
  '/tenant',
  '/audit-log',
  '/security-events',
  '/blocked-ips',
] as const;

export type RoutePattern = (typeof CONSOLE_ROUTES)[number];
