// Issue 14 item 9 (CONTRACT.md: "Every audit record states the outcome the client got (status
// code), not the one intended"). A refused POST /external-bots/test-connection (422) had a record
// saying 200, written before the outbound call was refused. Each case below sends one request and
// compares every audit record it left with the status the client received; where a record is due
// (an action that happened, refused or not), exactly one must exist.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { serverShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { buildAuditApp, createBot, ownerAuditRows } from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';

interface Case {
  name: string;
  /** The status the request is expected to get (the case is about its record, not the route). */
  status: number;
  /** Whether the request leaves a record (a refusal inside the change's transaction leaves none). */
  recorded: boolean;
  send(who: TestIdentity): Promise<{ statusCode: number }>;
}

describe(`every audit record states the status the client got (${shape})`, () => {
  let t: TestApp;
  let admin: TestIdentity;
  let botId: string;
  const post = (who: TestIdentity, url: string, payload?: object) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1${url}`,
      headers: who.headers,
      ...(payload ? { payload } : {}),
    });
  const del = (who: TestIdentity, url: string) =>
    t.app.inject({ method: 'DELETE', url: `/api/v1${url}`, headers: who.headers });

  before(async () => {
    t = await buildAuditApp();
    admin = await createTenantUser(t);
    // Unresolvable now, so storing it is allowed; the test then fails to connect (200, ok: false).
    const bot = await createBot(t, admin, {
      kind: 'external',
      api_url: 'http://tradewise-audit.invalid/',
      api_token: 'token-1234567890',
    });
    assert.equal(bot.statusCode, 201, bot.body);
    botId = bot.json().id;
  });
  after(() => t.close());

  const cases: Case[] = [
    {
      name: 'POST /external-bots/test-connection refused at connect time (loopback): 422',
      status: 422,
      recorded: true,
      send: (who) =>
        post(who, '/external-bots/test-connection', {
          api_url: 'http://127.0.0.1:9/',
          api_token: 'token-1234567890',
        }),
    },
    {
      name: 'POST /external-bots/test-connection to a private network address: 422',
      status: 422,
      recorded: true,
      send: (who) =>
        post(who, '/external-bots/test-connection', {
          api_url: 'http://10.0.0.1/',
          api_token: 'token-1234567890',
        }),
    },
    {
      name: 'POST /bots/{id}/test-connection that reaches nothing: 200 with ok false',
      status: 200,
      recorded: true,
      send: (who) => post(who, `/bots/${botId}/test-connection`),
    },
    {
      name: 'POST /bots/{id}/test-connection of an unknown bot: 404',
      status: 404,
      recorded: false,
      send: (who) => post(who, `/bots/${randomUUID()}/test-connection`),
    },
    {
      name: 'POST /bots: 201',
      status: 201,
      recorded: true,
      send: (who) => createBot(t, who),
    },
    {
      name: 'POST /subscriptions: 201, then the same again: 409',
      status: 409,
      recorded: false,
      send: async (who) => {
        const first = await post(who, '/subscriptions', { bot_id: botId, plan: 'free' });
        assert.equal(first.statusCode, 201, first.body);
        return post(who, '/subscriptions', { bot_id: botId, plan: 'free' });
      },
    },
    {
      name: 'DELETE /bots/{id} of an unknown bot: 404',
      status: 404,
      recorded: false,
      send: (who) => del(who, `/bots/${randomUUID()}`),
    },
    {
      name: 'DELETE /bots/{id}: 204',
      status: 204,
      recorded: true,
      send: async (who) => del(who, `/bots/${(await createBot(t, who)).json().id}`),
    },
  ];

  for (const item of cases) {
    test(item.name, async () => {
      const before = await ownerAuditRows(t, admin.tenantId);
      const res = await item.send(admin);
      assert.equal(res.statusCode, item.status);
      const rows = await ownerAuditRows(t, admin.tenantId);
      // The last record is this request's (set-up requests of the case come before it).
      const added = rows.slice(before.length);
      for (const record of added) {
        if (record === added.at(-1) && item.recorded) {
          assert.equal(
            record.status,
            res.statusCode,
            `${record.action}: recorded ${record.status}, sent ${res.statusCode}`,
          );
        } else {
          // A set-up request of the case (a first subscription, the bot to delete): its own status.
          assert.ok([200, 201, 204].includes(record.status), `${record.action} recorded ${record.status}`);
        }
      }
      if (item.recorded) assert.ok(added.length >= 1, 'a record was written');
    });
  }
});
