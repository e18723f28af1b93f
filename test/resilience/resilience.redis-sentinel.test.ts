// The service through Redis Sentinel with a forced failover (issue 13, item 2). With REDIS_URL on
// the master the old store stayed on the dead master (503 throughout), then on the demoted
// read-only replica (/ready 200, every logout 503). Through ioredis's Sentinel client it follows
// the failover without a restart: writes go to the new master, /ready answers 200 only when the
// store can write, and logouts after the failover succeed and hold.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MIRRORED_PREFIXES } from '../../src/mirrored-keys.ts';
import { createRedisStore } from '../../src/platform/store/redis.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { Instances } from '../helpers/instances.ts';
import { startInstances } from '../helpers/instances.ts';
import type { SentinelFixture } from '../helpers/redis-topology.ts';
import {
  redisCli,
  sentinelMissing,
  startPlainRedis,
  startSentinelSet,
  until,
} from '../helpers/redis-topology.ts';

describe('the service through Redis Sentinel', { skip: sentinelMissing ?? false, timeout: 300_000 }, () => {
  let set: SentinelFixture;
  const keyPrefix = `tw-sentinel:${randomUUID().slice(0, 8)}:`;
  let group: Instances;
  const instance = (i: number) => (group.apps[i] as TestApp).app;

  before(async () => {
    set = await startSentinelSet(3);
    group = await startInstances(2, () =>
      createRedisStore({
        mirroredPrefixes: MIRRORED_PREFIXES,
        topology: { kind: 'sentinel', sentinels: set.sentinels, name: set.name },
        keyPrefix,
      }),
    );
  });
  after(async () => {
    await group?.close();
    await set?.stop();
  });

  const me = (i: number, who: TestIdentity) => group.me(i, who);
  const logout = (i: number, who: TestIdentity) => group.logout(i, who);
  const ready = async (i: number) => (await instance(i).inject({ method: 'GET', url: '/ready' })).statusCode;

  test('after SENTINEL FAILOVER the service writes to the new master, and logouts succeed and hold', async () => {
    const before = await createTenantUser(group.apps[0] as TestApp);
    assert.equal((await logout(0, before)).statusCode, 204);
    const users = await Promise.all(
      Array.from({ length: 3 }, () => createTenantUser(group.apps[0] as TestApp)),
    );
    const oldMaster = await set.masterPort();
    const newMaster = await set.failover();
    assert.notEqual(newMaster, oldMaster);

    for (const i of [0, 1]) await until(async () => (await ready(i)) === 200, `instance ${i} ready again`);
    for (const [n, who] of users.entries()) {
      const res = await logout(n % 2, who);
      assert.equal(res.statusCode, 204, `logout ${n} after the failover`);
    }
    for (const who of [before, ...users]) {
      for (const i of [0, 1]) {
        await until(async () => (await me(i, who)).statusCode === 401, `token refused by instance ${i}`);
      }
    }
    // The revocations were written to the new master; the old one is a replica now.
    const onNew = await redisCli(newMaster, '--scan', '--pattern', `${keyPrefix}revoked:jti:*`);
    assert.ok(onNew.split('\n').filter(Boolean).length >= 4, 'revocations on the new master');
    assert.ok((await redisCli(oldMaster, 'ROLE')).startsWith('slave'));
  });
});

describe('readiness on a demoted node', { skip: sentinelMissing ?? false, timeout: 120_000 }, () => {
  test('/ready answers 503 while the store reaches only a read-only replica, and 200 once it can write again', async () => {
    const primary = await startPlainRedis([]);
    const other = await startPlainRedis([]);
    const store = createRedisStore({
      mirroredPrefixes: MIRRORED_PREFIXES,
      url: primary.url,
      keyPrefix: `tw-ro:${randomUUID()}:`,
    });
    const t = await buildTestApp({}, { store });
    try {
      await t.app.ready();
      const status = async () => (await t.app.inject({ method: 'GET', url: '/ready' })).statusCode;
      assert.equal(await status(), 200);
      const port = new URL(primary.url).port;
      // Demoted the way a failover demotes a master, without dropping its clients.
      await redisCli(Number(port), 'REPLICAOF', '127.0.0.1', new URL(other.url).port);
      await until(async () => (await status()) === 503, '/ready says the store cannot write');
      const who = await createTenantUser(t);
      assert.equal(
        (await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: who.headers })).statusCode,
        503,
      );
      await redisCli(Number(port), 'REPLICAOF', 'NO', 'ONE');
      await until(async () => (await status()) === 200, '/ready again once it is a master');
    } finally {
      await t.close();
      await store.close();
      await primary.stop();
      await other.stop();
    }
  });
});

describe('a READONLY reply', { skip: sentinelMissing ?? false, timeout: 120_000 }, () => {
  test('makes the store reconnect and retry on the current primary instead of answering 503 on and on', async () => {
    // A primary endpoint that moves (a managed Redis's DNS name; here a TCP proxy) while the old
    // primary, demoted, keeps our connection open and answers writes with READONLY.
    const first = await startPlainRedis([]);
    const second = await startPlainRedis([]);
    let target = Number(new URL(first.url).port);
    const sockets = new Set<Socket>();
    const proxy = createServer((socket) => {
      const upstream = connect(target, '127.0.0.1');
      sockets.add(socket).add(upstream);
      socket.pipe(upstream).pipe(socket);
      const drop = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const { port } = proxy.address() as AddressInfo;
    const store = createRedisStore({
      mirroredPrefixes: MIRRORED_PREFIXES,
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: `tw-ro2:${randomUUID()}:`,
    });
    const t = await buildTestApp({}, { store });
    try {
      await t.app.ready();
      const who = await Promise.all([createTenantUser(t), createTenantUser(t)]);
      const secondPort = Number(new URL(second.url).port);
      await redisCli(Number(new URL(first.url).port), 'REPLICAOF', '127.0.0.1', String(secondPort));
      target = secondPort;
      const logout = (w: TestIdentity) =>
        t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: w.headers });
      assert.equal(
        (await logout(who[0] as TestIdentity)).statusCode,
        204,
        'the first write after the demotion',
      );
      assert.equal((await logout(who[1] as TestIdentity)).statusCode, 204);
      // The new primary holds both revocations (and, re-seeded from the shared test database, others).
      const keys = new Set(
        (await redisCli(secondPort, '--scan', '--pattern', 'tw-ro2:*revoked:jti:*')).split('\n'),
      );
      for (const w of who) {
        const jti = (
          JSON.parse(
            Buffer.from(w.headers.authorization.split('.')[1] as string, 'base64url').toString(),
          ) as {
            jti: string;
          }
        ).jti;
        assert.ok(
          [...keys].some((key) => key.endsWith(`revoked:jti:${jti}`)),
          'written to the new primary',
        );
      }
    } finally {
      await t.close();
      await store.close();
      for (const socket of sockets) socket.destroy();
      proxy.close();
      await first.stop();
      await second.stop();
    }
  });
});
