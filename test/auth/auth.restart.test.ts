// Revocations survive a restart: the in-process store starts empty (and Redis may be flushed), so
// start-up restores them from the database before serving. A restart here is a new app on the same
// database with a fresh, empty state store; the last test restarts the real embedded process.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, createTestDatabase, createTestStore, serverShape } from '../helpers/app.ts';
import { startService } from '../helpers/process.ts';
import { AUTH_TEST_ENV, bearer, loginOk, me, PASSWORD, refresh, register, uniqueEmail } from './support.ts';

describe('revocation across a restart', () => {
  test('logout, logout-all and deactivation still hold after a restart with an empty state store', async () => {
    const db = await createTestDatabase();
    let first: TestApp | undefined;
    let second: TestApp | undefined;
    try {
      first = await buildTestApp(AUTH_TEST_ENV, { db, store: createTestStore() });
      await first.app.ready();
      const loggedOut = await register(first);
      const everywhere = await register(first);
      const admin = await register(first);
      const adminToken = (await loginOk(first, admin.email)).access_token;
      const member = await first.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: bearer(adminToken),
        payload: { email: uniqueEmail('member'), password: PASSWORD, full_name: 'Member' },
      });
      const memberToken = (await loginOk(first, member.json().email)).access_token;

      const a = await loginOk(first, loggedOut.email);
      const b = await loginOk(first, everywhere.email);
      const post = (url: string, token: string) =>
        first?.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: bearer(token) });
      assert.equal((await post('/auth/logout', a.access_token))?.statusCode, 204);
      assert.equal((await post('/auth/logout-all', b.access_token))?.statusCode, 204);
      const deactivate = await first.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${member.json().id}`,
        headers: bearer(adminToken),
        payload: { is_active: false },
      });
      assert.equal(deactivate.statusCode, 200);
      await first.close();
      await first.store.close();
      first = undefined;

      second = await buildTestApp(AUTH_TEST_ENV, { db, store: createTestStore() });
      await second.app.ready();
      assert.equal((await me(second, a.access_token)).statusCode, 401, 'the logged-out jti');
      assert.equal((await me(second, b.access_token)).statusCode, 401, 'the revoked-before mark');
      const inactive = await me(second, memberToken);
      assert.equal(inactive.statusCode, 400, 'the inactive mark');
      assert.deepEqual(inactive.json(), { detail: 'Inactive user', code: 'INACTIVE_USER' });
      assert.equal((await refresh(second, a.refresh_token)).statusCode, 401);
      assert.equal(
        (await me(second, (await loginOk(second, everywhere.email)).access_token)).statusCode,
        200,
      );
      assert.equal((await me(second, adminToken)).statusCode, 200, 'nothing else was revoked');
    } finally {
      await first?.close();
      await second?.close();
      await second?.store.close();
      await db.close();
    }
  });

  test('the embedded service process keeps a logout across kill and restart', {
    skip: serverShape,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tw-auth-restart-'));
    const env = { DATA_DIR: dataDir, ...AUTH_TEST_ENV };
    let service = await startService(env);
    try {
      const call = (path: string, init: RequestInit = {}) =>
        fetch(`${service.url}/api/v1${path}`, {
          ...init,
          headers: {
            ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(init.headers as Record<string, string>),
          },
        });
      const email = uniqueEmail('proc');
      const registered = await call('/auth/register', {
        method: 'POST',
        body: JSON.stringify({ email, password: PASSWORD, full_name: 'Proc' }),
      });
      assert.equal(registered.status, 201);
      const login = async () =>
        (await (
          await call('/auth/token', {
            method: 'POST',
            body: JSON.stringify({ username: email, password: PASSWORD }),
          })
        ).json()) as { access_token: string };
      const revoked = await login();
      const kept = await login();
      const logout = await call('/auth/logout', { method: 'POST', headers: bearer(revoked.access_token) });
      assert.equal(logout.status, 204);

      await service.stop('SIGKILL');
      service = await startService(env);
      assert.equal((await call('/users/me', { headers: bearer(revoked.access_token) })).status, 401);
      assert.equal((await call('/users/me', { headers: bearer(kept.access_token) })).status, 200);
    } finally {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
