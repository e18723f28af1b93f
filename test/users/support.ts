// Helpers for the user-administration tests: an admin with a token, and users made through the API.
import assert from 'node:assert/strict';
import { bearer, loginOk, PASSWORD, register, uniqueEmail } from '../auth/support.ts';
import type { TestApp } from '../helpers/app.ts';

export interface Actor {
  userId: string;
  tenantId: string;
  email: string;
  token: string;
  refreshToken: string;
}

export async function registerAdmin(t: TestApp): Promise<Actor> {
  const account = await register(t);
  const tokens = await loginOk(t, account.email);
  return { ...account, token: tokens.access_token, refreshToken: tokens.refresh_token };
}

/** A user of the admin's tenant, created through POST /users and logged in. */
export async function addUser(t: TestApp, admin: Actor, roles?: string[]): Promise<Actor> {
  const email = uniqueEmail('member');
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: bearer(admin.token),
    payload: { email, password: PASSWORD, full_name: 'Member', ...(roles ? { roles } : {}) },
  });
  assert.equal(res.statusCode, 201, res.body);
  const tokens = await loginOk(t, email);
  return {
    userId: res.json().id,
    tenantId: admin.tenantId,
    email,
    token: tokens.access_token,
    refreshToken: tokens.refresh_token,
  };
}

export function patchUser(t: TestApp, actor: Actor, userId: string, payload: Record<string, unknown>) {
  return t.app.inject({
    method: 'PATCH',
    url: `/api/v1/users/${userId}`,
    headers: bearer(actor.token),
    payload,
  });
}

export function deleteUser(t: TestApp, actor: Actor, userId: string) {
  return t.app.inject({ method: 'DELETE', url: `/api/v1/users/${userId}`, headers: bearer(actor.token) });
}
