// The shared store's health on /metrics: whether per-request checks are answered from the local
// mirror of Redis, and how many batches needed Redis. A mirror that never synced (a bug this
// project had) made every request pay a round trip and showed nowhere; now it shows here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

async function scrape(t: TestApp): Promise<string> {
  const res = await t.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
  assert.equal(res.statusCode, 200);
  return res.body;
}

function value(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('state store metrics', () => {
  let t: TestApp;
  let alice: TestIdentity;
  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    alice = await createTenantUser(t, { roles: ['user'] });
  });
  after(() => t.close());

  test('with Redis: the mirror is reported in sync and authenticated reads add no round trip', {
    skip: process.env.REDIS_URL ? false : 'the in-process store has no such figures',
  }, async () => {
    const deadline = Date.now() + 10_000;
    while (value(await scrape(t), 'state_store_mirror_in_sync') !== 1) {
      assert.ok(Date.now() < deadline, 'mirror in sync in time');
      await sleep(50);
    }
    const before = value(await scrape(t), 'state_store_round_trips_total') as number;
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({ url: '/api/v1/bots', headers: alice.headers });
      assert.equal(res.statusCode, 200);
    }
    assert.equal(value(await scrape(t), 'state_store_round_trips_total'), before);
  });

  test('embedded: no state store series (nothing to report, no false alarm)', {
    skip: process.env.REDIS_URL ? 'Redis shape' : false,
  }, async () => {
    const text = await scrape(t);
    assert.equal(value(text, 'state_store_mirror_in_sync'), undefined);
    assert.equal(value(text, 'state_store_round_trips_total'), undefined);
  });
});
