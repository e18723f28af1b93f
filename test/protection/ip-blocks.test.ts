import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { blockKey, createIpBlocks } from '../../src/features/protection/ip-blocks.ts';
import { clientKey } from '../../src/platform/client-key.ts';
import type { Database } from '../../src/platform/db/index.ts';
import { createMemoryStore } from '../../src/platform/store/memory.ts';
import { testIp } from '../helpers/addresses.ts';
import { createTestDatabase, createTestStore } from '../helpers/app.ts';

const IP_21 = testIp();
const IP_22 = testIp();
const IP_23 = testIp();
const IP_4 = testIp();

describe('client keys', () => {
  test('an IPv4 address counts as itself, also when IPv4-mapped', () => {
    assert.equal(clientKey(IP_4), IP_4);
    assert.equal(clientKey(`::ffff:${IP_4}`), IP_4);
  });
  test('IPv6 addresses count per /64, so rotating within a /64 gains nothing', () => {
    assert.equal(clientKey('2001:db8:1:2:aaaa::1'), clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
    assert.equal(clientKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  });
});

describe('IP blocks', () => {
  let db: Database;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  test('a block is visible in the store and the list, and lifting removes it from both', async () => {
    const store = createTestStore();
    const blocks = createIpBlocks({ db, store });
    const ip = IP_21;
    await blocks.block(ip, 60, 'brute_force_detected');
    assert.equal(await store.exists(blockKey(ip)), true);
    const listed = (await blocks.list()).find((b) => b.ip === ip);
    assert.equal(listed?.reason, 'brute_force_detected');
    assert.ok(new Date(listed?.expires_at ?? 0).getTime() > Date.now() + 50_000);
    assert.equal(await blocks.lift(ip), true);
    assert.equal(await store.exists(blockKey(ip)), false);
    assert.equal(
      (await blocks.list()).some((b) => b.ip === ip),
      false,
    );
    assert.equal(await blocks.lift(ip), false, 'lifting again finds nothing');
    await store.close();
  });

  test('blocks survive a restart of the embedded shape: restore puts them into a fresh store', async () => {
    const ip = IP_22;
    const before = createMemoryStore();
    await createIpBlocks({ db, store: before }).block(ip, 120, 'brute_force_detected');
    await before.close();
    const fresh = createMemoryStore();
    const restored = await createIpBlocks({ db, store: fresh }).restore();
    assert.ok(restored >= 1);
    assert.equal(await fresh.exists(blockKey(ip)), true);
    const ttl = await fresh.ttl(blockKey(ip));
    assert.ok(ttl !== null && ttl > 100_000 && ttl <= 120_000, 'the block keeps its remaining time');
    await createIpBlocks({ db, store: fresh }).lift(ip);
    await fresh.close();
  });

  test('a second block of the same address never shortens the first', async () => {
    const store = createTestStore();
    const blocks = createIpBlocks({ db, store });
    const ip = IP_23;
    await blocks.block(ip, 3600, 'brute_force_detected');
    await blocks.block(ip, 10, 'brute_force_detected');
    const listed = (await blocks.list()).find((b) => b.ip === ip);
    assert.ok(new Date(listed?.expires_at ?? 0).getTime() > Date.now() + 3_000_000);
    assert.ok(((await store.ttl(blockKey(ip))) ?? 0) > 3_000_000, 'nor in the store');
    await blocks.lift(ip);
    await store.close();
  });
});
