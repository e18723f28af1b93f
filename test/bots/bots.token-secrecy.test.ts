// The bot API token is write-only and encrypted at rest: never in a response, a log line, an audit
// record or a security event; stored as an AES-GCM envelope bound to its tenant and bot, so a copy
// in another row does not open; legacy Fernet values of the original service still work.
import '../platform/http/fixtures/network-guard.ts';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { botTokenAad, createBotTokenCipher } from '../../src/features/bots/bot-token.ts';
import { loggerOptions } from '../../src/platform/logging.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, TEST_ENCRYPTION_KEY } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { FakeBot, Route } from '../platform/http/fixtures/fake-bot-server.ts';
import { REMOTE_SECRET, startFakeBot } from '../platform/http/fixtures/fake-bot-server.ts';
import { networkViolations } from '../platform/http/fixtures/network-guard.ts';
import type { Caller } from './bots.fixtures.ts';
import { as, createBot, validBot } from './bots.fixtures.ts';
import { SEED_KEY, SEED_TOKEN, SEED_VALUE } from './rotation.fixtures.ts';

const TOKEN = 'Sup3r-Secret-Bot-Token-7f3a9c';
const OTHER_TOKEN = 'another-bot-token-4242';
/** Accepts any of `tokens`, so one fake bot serves every stored token of this suite. */
const acceptRoute =
  (tokens: string[]): Route =>
  (req, res) => {
    const ok = tokens.some((token) => req.headers.authorization === `Bearer ${token}`);
    res.writeHead(ok ? 200 : 401).end(REMOTE_SECRET);
  };

describe('bot token secrecy and encryption at rest', () => {
  let t: TestApp;
  let fake: FakeBot;
  let alice: TestIdentity;
  let bob: TestIdentity;
  let api: Caller;
  const logLines: string[] = [];
  const seen: Awaited<ReturnType<Caller['get']>>[] = [];

  before(async () => {
    fake = await startFakeBot({ '/health': acceptRoute([TOKEN, OTHER_TOKEN, SEED_TOKEN]) });
    // The production logger options (redaction included), writing into memory, at the most verbose level.
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    t = await buildTestApp(
      { DEBUG: 'true', ENCRYPTION_KEY: `${TEST_ENCRYPTION_KEY},${SEED_KEY}` },
      { logger: pino(loggerOptions('trace'), sink) },
    );
    await t.app.ready();
    alice = await createTenantUser(t, { roles: ['user'] });
    bob = await createTenantUser(t, { roles: ['user'] });
    api = as(t, alice, seen);
  });
  after(async () => {
    await t.close();
    await fake.close();
    assert.deepEqual(networkViolations(), []);
  });

  const url = () => `${fake.origin}/health`;
  const storedValue = async (tenantId: string, id: string) =>
    (
      await t.db.withTenant(tenantId, (tx) =>
        tx.query<{ v: string | null }>('SELECT api_token_encrypted AS v FROM bots WHERE id = $1', [id]),
      )
    ).rows[0]?.v ?? null;
  const setStoredValue = (tenantId: string, id: string, value: string | null) =>
    t.db.withTenant(tenantId, (tx) =>
      tx.query('UPDATE bots SET api_token_encrypted = $2 WHERE id = $1', [id, value]),
    );

  test('the column holds a v1 AES-GCM envelope bound to tenant and bot, not the token', async () => {
    const id = await createBot(api, { kind: 'external', api_url: url(), api_token: TOKEN });
    const stored = (await storedValue(alice.tenantId, id)) as string;
    assert.match(stored, /^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    for (const form of [TOKEN, Buffer.from(TOKEN).toString('base64'), Buffer.from(TOKEN).toString('hex')]) {
      assert.ok(!stored.includes(form));
    }
    const cipher = createBotTokenCipher(t.config.encryptionKey);
    assert.equal(cipher.decrypt(stored, botTokenAad(alice.tenantId, id)), TOKEN);
    assert.throws(() => cipher.decrypt(stored, botTokenAad(bob.tenantId, id)));
  });

  test('a ciphertext copied into another bot of the same tenant does not open: clean 409, nothing sent', async () => {
    const source = await createBot(api, { kind: 'external', api_url: url(), api_token: TOKEN });
    const target = await createBot(api, { kind: 'external', api_url: url(), api_token: OTHER_TOKEN });
    await setStoredValue(alice.tenantId, target, await storedValue(alice.tenantId, source));
    const received = fake.received.length;
    const res = await api.post(`/bots/${target}/test-connection`);
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), {
      detail: 'Stored API token cannot be used; set it again',
      code: 'BOT_TOKEN_UNREADABLE',
    });
    assert.equal(fake.received.length, received);
    // The source itself still works: the envelope is fine in its own row.
    assert.equal((await api.post(`/bots/${source}/test-connection`)).json().ok, true);
  });

  test("a ciphertext copied into another tenant's bot does not open either", async () => {
    const source = await createBot(api, { kind: 'external', api_url: url(), api_token: TOKEN });
    const target = await createBot(as(t, bob), { kind: 'external', api_url: url(), api_token: OTHER_TOKEN });
    await setStoredValue(bob.tenantId, target, await storedValue(alice.tenantId, source));
    const res = await as(t, bob, seen).post(`/bots/${target}/test-connection`);
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'BOT_TOKEN_UNREADABLE');
  });

  test('a tampered or garbage stored value is a clean 409, never a 500', async () => {
    const id = await createBot(api, { kind: 'external', api_url: url(), api_token: TOKEN });
    const stored = (await storedValue(alice.tenantId, id)) as string;
    const flipped = `${stored.slice(0, -2)}${stored.at(-2) === 'A' ? 'B' : 'A'}${stored.at(-1)}`;
    for (const value of [flipped, 'v1.00000000.AAAA', 'v1', 'plaintext-token-in-db', '']) {
      await setStoredValue(alice.tenantId, id, value);
      const res = await api.post(`/bots/${id}/test-connection`);
      assert.equal(res.statusCode, 409, value);
      assert.equal(res.json().code, 'BOT_TOKEN_UNREADABLE');
    }
  });

  test("a legacy Fernet value of the original service is used as the bot's token", async () => {
    const id = await createBot(api, { kind: 'external', api_url: url() });
    await setStoredValue(alice.tenantId, id, SEED_VALUE);
    assert.equal((await api.get(`/bots/${id}`)).json().has_api_token, true);
    const res = await api.post(`/bots/${id}/test-connection`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().ok, true);
    assert.equal(fake.received.at(-1)?.authorization, `Bearer ${SEED_TOKEN}`);
  });

  test('no response, log line, audit record or security event ever contains a token', async () => {
    const id = await createBot(api, { kind: 'external', api_url: url(), api_token: TOKEN });
    await api.get(`/bots/${id}`);
    await api.get('/bots');
    await api.put(
      `/bots/${id}`,
      validBot({ kind: 'external', api_url: url(), api_token: OTHER_TOKEN, status: 'running' }),
    );
    await api.post(`/bots/${id}/test-connection`);
    await api.post('/external-bots/test-connection', { api_url: url(), api_token: TOKEN });
    // Refusals: invalid characters, a refused URL (security event), an unknown field beside the token.
    await api.post('/bots', validBot({ api_token: `${TOKEN};` }));
    await api.post('/external-bots/test-connection', {
      api_url: 'http://169.254.169.254/',
      api_token: TOKEN,
    });
    await api.post('/bots', { ...validBot({ api_token: TOKEN }), extra: TOKEN.slice(0, 3) });
    await api.put(`/bots/${id}`, { api_token: TOKEN });

    const audit = await t.db.withTenant(alice.tenantId, (tx) => tx.query('SELECT * FROM audit_log'));
    const events = await t.db.withTenant(alice.tenantId, (tx) => tx.query('SELECT * FROM security_events'));
    const everything = [
      ...seen.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`),
      ...logLines,
      JSON.stringify(audit.rows),
      JSON.stringify(events.rows),
    ];
    assert.ok(seen.length > 20 && logLines.length > 20 && audit.rows.length > 5 && events.rows.length > 0);
    for (const secret of [TOKEN, OTHER_TOKEN, SEED_TOKEN, REMOTE_SECRET]) {
      const leaks = everything.filter((text) => text.includes(secret));
      assert.deepEqual(leaks, [], secret);
    }
  });
});
