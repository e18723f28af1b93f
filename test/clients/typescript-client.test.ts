// The typed client (clients/typescript) is built from the service and used against it, so that a
// contract change that breaks its users breaks this suite: the committed types must be what the
// service's OpenAPI document generates now, the client and the example must type-check against
// them, and the example's quick start must work against the service listening on loopback.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { QuickstartResult } from '../../clients/typescript/examples/quickstart.ts';
import { generateSchema, SCHEMA_FILE } from '../../clients/typescript/scripts/generate.ts';
import { createTradeWiseClient, TradeWiseApiError, unwrap } from '../../clients/typescript/src/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

const run = promisify(execFile);
// The root devDependency: the compiler `npx tsc` runs in CI (clients/typescript/node_modules holds
// TypeScript 5 only as openapi-typescript's peer).
const TSC = 'node_modules/typescript/bin/tsc';

async function caught(call: Promise<unknown>): Promise<TradeWiseApiError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TradeWiseApiError) return error;
    throw error;
  }
  assert.fail('the call succeeded');
}

describe('the TypeScript client in clients/typescript', () => {
  test('its committed types are what the OpenAPI document of the service generates now', async () => {
    const fresh = await generateSchema();
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    if (fresh === committed) return;
    const [now, then] = [fresh.split('\n'), committed.split('\n')];
    // The first line that differs (past the end of the shorter text when one is the other's start).
    const differing = now.findIndex((text, index) => text !== then[index]);
    const line = differing === -1 ? now.length : differing;
    assert.fail(
      'clients/typescript/src/schema.ts differs from what the routes generate: run `npm run client:generate` ' +
        `and commit the result (first difference at line ${line + 1}: generated ${JSON.stringify(now[line] ?? '(end of file)')}, ` +
        `committed ${JSON.stringify(then[line] ?? '(end of file)')})`,
    );
  });

  test('the client and its example type-check against the committed types', async () => {
    const result = await run(process.execPath, [
      TSC,
      '-p',
      'clients/typescript/tsconfig.json',
      '--noEmit',
    ]).then(
      () => ({ ok: true, output: '' }),
      (error: { stdout?: string; stderr?: string }) => ({
        ok: false,
        output: `${error.stdout}${error.stderr}`,
      }),
    );
    assert.ok(
      result.ok,
      `tsc -p clients/typescript failed: a change of the API breaks its clients\n${result.output}`,
    );
  });

  test("an answer that is not the API's (a proxy's error page) still gives a TradeWiseApiError with the status line", async () => {
    const proxy = createServer((_request, response) => {
      response.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    try {
      const { port } = proxy.address() as AddressInfo;
      const client = createTradeWiseClient({ baseUrl: `http://127.0.0.1:${port}` });
      const error = await caught(unwrap(client.GET('/api/v1/users/me')));
      assert.equal(error.status, 502);
      assert.equal(error.code, undefined);
      assert.equal(error.detail, '502 Bad Gateway');
      assert.deepEqual(error.issues, []);
      assert.equal(error.requestId, undefined);
    } finally {
      proxy.close();
      proxy.closeAllConnections();
    }
  });

  describe('against the service listening on 127.0.0.1', () => {
    let service: TestApp;
    let baseUrl: string;

    before(async () => {
      // One connection test a minute: the third test below reads the limit's 429.
      service = await buildTestApp({ TEST_CONNECTION_RATE_LIMIT: '1/minute' });
      baseUrl = await service.app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(async () => {
      await service.close();
    });

    test('the quick start registers, logs in, creates and lists a bot, reads the audit log and logs out', async () => {
      const email = `quickstart-${randomUUID()}@example.com`;
      const password = 'Quick-start-2026!';
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'clients/typescript/examples/quickstart.ts', '--json'],
        {
          env: {
            ...process.env,
            TRADEWISE_URL: baseUrl,
            TRADEWISE_EMAIL: email,
            TRADEWISE_PASSWORD: password,
          },
        },
      );
      const result = JSON.parse(stdout) as QuickstartResult;

      assert.equal(result.user.email, email);
      assert.deepEqual([...result.user.roles].sort(), ['admin', 'user']);
      assert.equal(result.bot.name, 'Grid BTC');
      assert.equal(result.bot.status, 'stopped');
      assert.deepEqual(result.botNames, ['Grid BTC']);
      // Newest first: the bot, the login, the registration.
      assert.deepEqual(result.auditActions, ['bot.create', 'session.create', 'user.register']);
      assert.deepEqual(result.afterLogout, { status: 401, code: 'NOT_AUTHENTICATED' });

      // What the example did is in the service: the bot is there for the account's next login,
      // and the logout is the newest record of the audit trail.
      const client = createTradeWiseClient({ baseUrl });
      const tokens = await unwrap(client.POST('/api/v1/auth/token', { body: { email, password } }));
      assert.ok('access_token' in tokens);
      client.setAccessToken(tokens.access_token);
      const bot = await unwrap(client.GET('/api/v1/bots/{id}', { params: { path: { id: result.bot.id } } }));
      assert.equal(bot.name, 'Grid BTC');
      const audit = await unwrap(client.GET('/api/v1/admin/audit-log', { params: { query: { limit: 3 } } }));
      assert.deepEqual(
        audit.items.map((record) => record.action),
        ['session.create', 'session.logout', 'bot.create'],
      );
    });

    test("a refusal is a TradeWiseApiError carrying the API's status, code, detail and request id", async () => {
      const anonymous = createTradeWiseClient({ baseUrl: `${baseUrl}/` });
      const unauthenticated = await caught(unwrap(anonymous.GET('/api/v1/users/me')));
      assert.equal(unauthenticated.status, 401);
      assert.equal(unauthenticated.code, 'NOT_AUTHENTICATED');
      assert.equal(typeof unauthenticated.detail, 'string');
      assert.notEqual(unauthenticated.detail, '');
      assert.deepEqual(unauthenticated.issues, []);
      assert.match(unauthenticated.requestId ?? '', /^[0-9a-f-]{36}$/);

      const email = `client-errors-${randomUUID()}@example.com`;
      const password = 'Client-errors-2026!';
      await unwrap(
        anonymous.POST('/api/v1/auth/register', { body: { email, password, full_name: 'Client Errors' } }),
      );
      const tokens = await unwrap(
        anonymous.POST('/api/v1/auth/token', { body: { username: email, password } }),
      );
      assert.ok('access_token' in tokens);
      const client = createTradeWiseClient({ baseUrl, accessToken: tokens.access_token });

      // A 422: the list of issues, each with its location, and a message made of them.
      const invalid = await caught(
        unwrap(
          client.POST('/api/v1/bots', { body: { name: '', kind: 'internal', exchange: 'x', strategy: 'y' } }),
        ),
      );
      assert.equal(invalid.status, 422);
      assert.equal(invalid.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        invalid.issues.map((issue) => issue.loc),
        [['body', 'name']],
      );
      assert.match(invalid.detail, /^body\.name: \S/);
      assert.match(invalid.message, /^422 VALIDATION_FAILED: body\.name: /);

      const missing = await caught(
        unwrap(client.GET('/api/v1/bots/{id}', { params: { path: { id: randomUUID() } } })),
      );
      assert.equal(missing.status, 404);
      assert.equal(missing.code, 'BOT_NOT_FOUND');
      assert.equal(missing.detail, 'Bot not found');
    });

    test("a rate limit's 429 tells how long to wait in retryAfterSeconds", async () => {
      const email = `client-limits-${randomUUID()}@example.com`;
      const password = 'Client-limits-2026!';
      const client = createTradeWiseClient({ baseUrl });
      await unwrap(
        client.POST('/api/v1/auth/register', { body: { email, password, full_name: 'Client Limits' } }),
      );
      const tokens = await unwrap(client.POST('/api/v1/auth/token', { body: { username: email, password } }));
      assert.ok('access_token' in tokens);
      client.setAccessToken(tokens.access_token);
      // A loopback URL is refused before any connection is made; the second try is over the limit.
      const body = { api_url: 'http://127.0.0.1:9/', api_token: 'token-0123456789' };
      const refused = await caught(unwrap(client.POST('/api/v1/external-bots/test-connection', { body })));
      assert.equal(refused.status, 422);
      assert.equal(refused.retryAfterSeconds, undefined);

      const limited = await caught(unwrap(client.POST('/api/v1/external-bots/test-connection', { body })));
      assert.equal(limited.status, 429);
      assert.equal(typeof limited.code, 'string');
      assert.ok(
        limited.retryAfterSeconds !== undefined &&
          limited.retryAfterSeconds > 0 &&
          limited.retryAfterSeconds <= 60,
        `Retry-After read as ${limited.retryAfterSeconds}`,
      );
    });
  });
});
