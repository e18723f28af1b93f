// Several instances of the service over one database and one shared Redis deployment (one key
// prefix), as operators run them: what one instance writes, every other must enforce.
import type { LightMyRequestResponse } from 'fastify';
import type { Database } from '../../src/platform/db/index.ts';
import type { RedisStore } from '../../src/platform/store/redis.ts';
import type { TestApp } from './app.ts';
import { buildTestApp, createTestDatabase } from './app.ts';
import type { TestIdentity } from './identity.ts';
import { until } from './redis-topology.ts';

export interface Instances {
  db: Database;
  apps: TestApp[];
  stores: RedisStore[];
  /** Another store on the same deployment and prefix (closed with the rest). */
  newStore(): RedisStore;
  me(i: number, who: TestIdentity): Promise<LightMyRequestResponse>;
  logout(i: number, who: TestIdentity): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** `count` ready instances, their mirrors in sync; `store()` makes each one's store. */
export async function startInstances(count: number, store: () => RedisStore): Promise<Instances> {
  const db = await createTestDatabase();
  const apps: TestApp[] = [];
  const stores: RedisStore[] = [];
  const newStore = () => {
    const s = store();
    stores.push(s);
    return s;
  };
  for (let i = 0; i < count; i++) {
    const t = await buildTestApp({}, { db, store: newStore() });
    await t.app.ready();
    apps.push(t);
  }
  await until(() => stores.every((s) => s.stats().mirrorSynced), 'mirrors in sync');
  const app = (i: number) => (apps[i] as TestApp).app;
  return {
    db,
    apps,
    stores,
    newStore,
    me: (i, who) => app(i).inject({ method: 'GET', url: '/api/v1/users/me', headers: who.headers }),
    logout: (i, who) => app(i).inject({ method: 'POST', url: '/api/v1/auth/logout', headers: who.headers }),
    async close() {
      for (const t of apps) await t.close();
      for (const s of stores) await s.close();
      await db.close();
    },
  };
}
