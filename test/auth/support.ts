// Helpers for the account tests: register, log in, refresh and call as a user, through the API.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestApp } from '../helpers/app.ts';

export const PASSWORD = 'Tr4ding-Desk!92';

/**
 * Route limits and brute-force thresholds raised far out of reach: these tests exercise accounts,
 * not protection (which has its own tests), and log in many times from one address.
 */
export const AUTH_TEST_ENV = {
  LOGIN_RATE_LIMIT: '100000/minute',
  REGISTER_RATE_LIMIT: '100000/minute',
  REFRESH_RATE_LIMIT: '100000/minute',
  BRUTE_FORCE_MAX_ATTEMPTS: '1000000',
};

export interface Account {
  email: string;
  password: string;
  userId: string;
  tenantId: string;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
}

export async function register(
  t: TestApp,
  body: { email?: string; password?: string; full_name?: string; tenant_name?: string } = {},
): Promise<Account> {
  const email = body.email ?? uniqueEmail();
  const password = body.password ?? PASSWORD;
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: {
      email,
      password,
      full_name: body.full_name ?? 'Ada Trader',
      ...(body.tenant_name ? { tenant_name: body.tenant_name } : {}),
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  const user = res.json();
  return { email: user.email, password, userId: user.id, tenantId: user.tenant_id };
}

export async function login(
  t: TestApp,
  email: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    payload: { username: email, password },
    headers,
  });
}

export async function loginOk(t: TestApp, email: string, password = PASSWORD): Promise<Tokens> {
  const res = await login(t, email, password);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

export async function refresh(t: TestApp, refreshToken: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refresh_token: refreshToken },
  });
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

export async function me(t: TestApp, token: string) {
  return t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(token) });
}

/** Security events of a type, newest last, read as the database owner (tests only). */
export async function securityEvents(t: TestApp, type: string): Promise<Record<string, unknown>[]> {
  const { rows } = await t.db.withOwner((q) =>
    q.query<Record<string, unknown>>('SELECT * FROM security_events WHERE event_type = $1 ORDER BY id', [
      type,
    ]),
  );
  return rows;
}

/** Resolves on the next millisecond tick, so two steps never share a millisecond. */
export function nextMs(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2));
}
