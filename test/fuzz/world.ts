// Two tenants, A and B, seeded through the API with data that is easy to spot: every name and
// e-mail of a tenant carries its marker, and every id is remembered, so that any response can be
// searched for the other tenant's data. Each tenant also has canaries: resources whose ids only
// the OTHER tenant's requests use, so a cross-tenant write shows as a changed canary.
import { randomBytes, randomUUID } from 'node:crypto';
import { createIpBlocks } from '../../src/features/protection/ip-blocks.ts';
import type { TestApp } from '../helpers/app.ts';
import { createTenantUser, issueToken } from '../helpers/identity.ts';
import type { Hints } from './schema-values.ts';

export const PASSWORD = 'Fuzz-Desk!92x';

export interface Member {
  tenantId: string;
  userId: string;
  email: string;
  roles: string[];
}

export interface Tenant {
  label: 'A' | 'B';
  marker: string;
  tenantId: string;
  admin: Member;
  user: Member;
  /** Ids the tenant's own requests and the other tenant's requests both use. */
  ids: string[];
  /** The tenant's regular bots (also in `ids`). */
  bots: string[];
  /** Ids only the other tenant's requests use: none of them may ever change. */
  canaryIds: string[];
  emails: string[];
  refreshTokens: string[];
  /** Strings that must never reach anyone outside the tenant. */
  private: string[];
  /** Values no response may ever contain, to anyone (bot API tokens). */
  secrets: string[];
}

export interface World {
  A: Tenant;
  B: Tenant;
  operator: Member;
  blockedIp: string;
  /** Values for requests made by a member of `tenant` (null: no tenant). */
  hints(tenant: 'A' | 'B' | null): Hints;
  /** The canaries as stored now, for comparison before and after a run. */
  canarySnapshot(): Promise<string>;
}

type Inject = TestApp['app']['inject'];

async function call(inject: Inject, method: string, url: string, token?: string, payload?: object) {
  const res = await inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(payload ? { payload } : {}),
    remoteAddress: '198.51.100.250',
  });
  if (res.statusCode >= 300) throw new Error(`seeding ${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.statusCode === 204 ? {} : (res.json() as Record<string, unknown>);
}

async function seedTenant(t: TestApp, label: 'A' | 'B'): Promise<Tenant> {
  const inject = t.app.inject.bind(t.app) as Inject;
  const marker = `zq${label.toLowerCase()}${randomBytes(6).toString('hex')}`;
  const secret = `sec${randomBytes(8).toString('hex')}`;
  const registered = await call(inject, 'POST', '/auth/register', undefined, {
    email: `admin-${marker}@example.test`,
    password: PASSWORD,
    full_name: `Admin ${marker}`,
    tenant_name: `Tenant ${marker}`,
  });
  const tenantId = registered.tenant_id as string;
  const admin: Member = {
    tenantId,
    userId: registered.id as string,
    email: registered.email as string,
    roles: ['admin', 'user'],
  };
  const adminToken = issueToken(t, admin);
  const createUser = async (name: string) => {
    const body = {
      email: `${name}-${marker}@example.test`,
      password: PASSWORD,
      full_name: `${name} ${marker}`,
    };
    const created = await call(inject, 'POST', '/users', adminToken, body);
    return { tenantId, userId: created.id as string, email: created.email as string, roles: ['user'] };
  };
  const user = await createUser('user');
  const victim = await createUser('victim');
  const canary = await createUser('canary');
  const login = async (who: Member) =>
    call(inject, 'POST', '/auth/token', undefined, { username: who.email, password: PASSWORD });
  const victimTokens = [await login(victim), await login(victim)];
  const canaryTokens = await login(canary);
  const sessionIds = async (accessToken: string) =>
    ((await call(inject, 'GET', '/users/me/sessions', accessToken)).items as Array<{ id: string }>).map(
      (s) => s.id,
    );
  const victimSessions = await sessionIds(victimTokens[0]?.access_token as string);
  const canarySessions = await sessionIds(canaryTokens.access_token as string);
  const bot = async (name: string, withToken: boolean) =>
    (
      await call(inject, 'POST', '/bots', adminToken, {
        name: `${name} ${marker}`,
        kind: withToken ? 'external' : 'internal',
        exchange: `ex-${marker}`,
        strategy: `st-${marker}`,
        ...(withToken ? { api_url: `https://93.184.215.14/${marker}`, api_token: `${secret}${name}` } : {}),
      })
    ).id as string;
  const bots = [await bot('Bot', true), await bot('Internal', false)];
  const canaryBot = await bot('Canary', true);
  const subscription = (await call(inject, 'POST', '/subscriptions', issueToken(t, user), {
    bot_id: bots[0],
    plan: 'pro',
  })) as { id: string };
  const canarySubscription = (await call(inject, 'POST', '/subscriptions', issueToken(t, canary), {
    bot_id: canaryBot,
    plan: 'free',
  })) as { id: string };
  const ids = [tenantId, victim.userId, ...bots, subscription.id, ...victimSessions];
  // The fuzzing identities are canaries too: a tenant never aims at its own members, so that no
  // generated request deletes or demotes the identities the run depends on.
  const canaryIds = [
    admin.userId,
    user.userId,
    canary.userId,
    canaryBot,
    canarySubscription.id,
    ...canarySessions,
  ];
  const emails = [admin.email, user.email, victim.email, canary.email];
  return {
    label,
    marker,
    tenantId,
    admin,
    user,
    ids,
    bots,
    canaryIds,
    emails,
    refreshTokens: victimTokens.map((v) => v.refresh_token as string),
    private: [marker, ...ids, ...canaryIds],
    secrets: [secret],
  };
}

export async function seedWorld(t: TestApp): Promise<World> {
  const A = await seedTenant(t, 'A');
  const B = await seedTenant(t, 'B');
  const operator = await createTenantUser(t, { roles: ['operator', 'user'] });
  const blockedIp = '203.0.113.77';
  await createIpBlocks({ db: t.db, store: t.store }).block(blockedIp, 3600, 'brute_force_detected');
  const canaries = [...A.canaryIds, ...B.canaryIds];
  return {
    A,
    B,
    operator: { ...operator },
    blockedIp,
    hints(tenant) {
      const own = tenant === 'A' ? A : tenant === 'B' ? B : undefined;
      const other = tenant === 'A' ? B : tenant === 'B' ? A : undefined;
      // A tenant's own canaries are never offered to it: only the other side may aim at them.
      const ids =
        own && other ? [...own.ids, ...other.ids, ...other.canaryIds] : [...A.ids, ...B.ids, ...canaries];
      return {
        ids: [...ids, randomUUID()],
        emails: [...A.emails, ...B.emails],
        passwords: [PASSWORD, 'Wrong-Pass!1', ''],
        refreshTokens: [...A.refreshTokens, ...B.refreshTokens],
        ips: [blockedIp, '127.0.0.1', '::1'],
      };
    },
    async canarySnapshot() {
      const rows = await t.db.withOwner(async (q) => {
        const read = async (sql: string) => (await q.query(sql, [canaries])).rows;
        return [
          await read('SELECT id, email, roles, is_active FROM users WHERE id = ANY($1::uuid[]) ORDER BY id'),
          await read(
            'SELECT id, name, status, api_url, api_token_encrypted, updated_at FROM bots WHERE id = ANY($1::uuid[]) ORDER BY id',
          ),
          await read(
            'SELECT id, status, cancelled_at FROM subscriptions WHERE id = ANY($1::uuid[]) ORDER BY id',
          ),
          await read('SELECT id, revoked_at FROM sessions WHERE id = ANY($1::uuid[]) ORDER BY id'),
        ];
      });
      return JSON.stringify(rows);
    },
  };
}
