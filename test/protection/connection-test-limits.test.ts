// Connection tests are limited per client IP and per tenant; a limited test makes no outbound call.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

const IP_120 = testIp();
const IP_140 = testIp();
const NET = testIp().split('.').slice(0, 3).join('.');

describe('connection-test limits', () => {
  let hits = 0;
  const fakeBot = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  let url = '';

  before(async () => {
    fakeBot.listen(0, '127.0.0.1');
    await once(fakeBot, 'listening');
    url = `http://127.0.0.1:${(fakeBot.address() as { port: number }).port}/health`;
  });
  after(() => fakeBot.close());

  const testConnection = (t: TestApp, who: TestIdentity, ip: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/external-bots/test-connection',
      remoteAddress: ip,
      headers: who.headers,
      payload: { api_url: url, api_token: 'token-0123456789' },
    });

  test('the per-IP limit answers 429 without calling the bot', async () => {
    const t = await buildTestApp({ DEBUG: 'true', TEST_CONNECTION_RATE_LIMIT: '2/minute' });
    try {
      await t.app.ready();
      const user = await createTenantUser(t);
      hits = 0;
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await testConnection(t, user, IP_120)).statusCode);
      assert.deepEqual(codes, [200, 200, 429]);
      assert.equal(hits, 2, 'the limited request made no outbound call');
    } finally {
      await t.close();
    }
  });

  test('the per-tenant limit holds across client addresses and spares other tenants', async () => {
    const t = await buildTestApp({ DEBUG: 'true', TENANT_TEST_CONNECTION_RATE_LIMIT: '2/minute' });
    try {
      await t.app.ready();
      const user = await createTenantUser(t);
      const other = await createTenantUser(t);
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await testConnection(t, user, `${NET}.${130 + i}`)).statusCode);
      assert.deepEqual(codes, [200, 200, 429]);
      assert.equal((await testConnection(t, other, IP_140)).statusCode, 200);
    } finally {
      await t.close();
    }
  });
});
