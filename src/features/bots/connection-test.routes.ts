// Connection tests: `GET api_url` with the bearer token, answering only {ok, status_code,
// latency_ms, error?}. The outbound call runs outside any database transaction (it may take
// seconds); the audit record of who tested what is written after it, in its own transaction, with
// the status the client gets (a URL refused at connect time is a 422, not the intended 200).
// Rate limits on these routes belong to the protection feature.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DataCipher } from '../../platform/crypto/index.ts';
import type { ChangeNote, InTenant } from '../../platform/db/tenant-transaction.ts';
import { AppError, statusOfError, ValidationFailed } from '../../platform/errors.ts';
import { errorResponse } from '../../platform/openapi.ts';
import { tokenIssues } from './bot-token.ts';
import { BOT_ERRORS, botNotConnectable, botNotFound, botTokenUnreadable } from './bots.errors.ts';
import { ConnectionTestBody, ConnectionTestResult, IdParams } from './bots.schemas.ts';
import { storedConnection } from './bots.service.ts';
import type { ConnectionTester } from './connection-test.service.ts';
import { hostOf } from './connection-test.service.ts';

/** What the connection-test route uses of the services. */
export interface ConnectionTestRouteDeps {
  inTenant: InTenant;
}

const tags = ['bots'];

/**
 * The stored-bot test takes no body. A body schema would also refuse a request without one, so the
 * rule is checked here: fields sent anyway (say an `api_url` meant to override the stored one) are
 * refused like any unknown field, never silently ignored.
 */
function refuseBody(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationFailed([
      { loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' },
    ]);
  }
  const extra = Object.keys(body);
  if (extra.length > 0) {
    throw new ValidationFailed(
      extra.map((key) => ({
        loc: ['body', key],
        msg: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
      })),
    );
  }
}

/**
 * Runs a connection test, then writes its audit record with the outcome: 200, or the status of
 * the refusal the error handler will send. A refusal's own error wins over a failed record write.
 */
async function recordedTest<T>(
  deps: ConnectionTestRouteDeps,
  request: FastifyRequest,
  note: ChangeNote,
  test: () => Promise<T>,
): Promise<T> {
  const record = (status: number) => deps.inTenant(request, async (tx) => tx.note(note), { status });
  let result: T;
  try {
    result = await test();
  } catch (error) {
    await record(statusOfError(error)).catch((failure: unknown) => {
      request.log.error({ err: failure }, 'audit record of a refused connection test not written');
    });
    throw error;
  }
  await record(200);
  return result;
}

export function connectionTestRoutes(
  plugin: FastifyInstance,
  { deps, cipher, tester }: { deps: ConnectionTestRouteDeps; cipher: DataCipher; tester: ConnectionTester },
): void {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/external-bots/test-connection',
    {
      config: { rateLimit: ['testConnection', 'testConnectionTenant'] },
      schema: {
        tags,
        summary: "Test an external bot's API before storing it",
        description:
          'Calls `GET api_url` with `Authorization: Bearer <api_token>`, bounded in time and size, and ' +
          'answers only `ok`, the status code and the latency. A refused URL is a 422 at ' +
          "`body.api_url` whose `msg` says why (`api_url's host is a loopback address; DEBUG=true " +
          'allows private targets in development`, `scheme not allowed: …`). A redirect to a refused ' +
          'target is not followed: `ok: false`, `error: "redirect_refused"` and a `detail` in words.',
        body: ConnectionTestBody,
        response: { 200: ConnectionTestResult },
      },
    },
    async (request) => {
      const { api_url: url, api_token: token } = request.body;
      const issues = tokenIssues(token, ['body', 'api_token']);
      if (issues.length > 0) throw new ValidationFailed(issues);
      const note = { action: 'external_bot.test_connection', details: { host: hostOf(url) } };
      return recordedTest(deps, request, note, () => tester.test(request, url, token));
    },
  );

  app.post(
    '/bots/:id/test-connection',
    {
      config: { rateLimit: ['testConnection', 'testConnectionTenant'] },
      schema: {
        tags,
        summary: "Test a stored bot's API with its stored token",
        description:
          'Takes no body. Tests the stored `api_url` with the stored token, checked again now (DNS ' +
          'and DEBUG may have changed since it was stored): a refused URL is a 422 at `bot.api_url` ' +
          "whose `msg` says why (`the stored api_url's host …`). 409 when the bot has no URL and " +
          'token, or its stored token cannot be opened. A redirect to a refused target: ' +
          '`ok: false`, `error: "redirect_refused"`, `detail` in words.',
        params: IdParams,
        response: {
          200: ConnectionTestResult,
          404: errorResponse('No such bot in your tenant.', botNotFound()),
          409: errorResponse(
            'The bot has no URL and token to test, or its stored token cannot be opened.',
            botNotConnectable(),
            botTokenUnreadable(),
          ),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      refuseBody(request.body);
      try {
        const { url, token } = await deps.inTenant(request, (tx) => storedConnection(tx, cipher, id), {
          record: false,
        });
        const note = { action: 'bot.test_connection', resourceType: 'bot', resourceId: id };
        return await recordedTest(deps, request, note, () => tester.test(request, url, token, id));
      } catch (error) {
        if (error instanceof AppError && error.code === BOT_ERRORS.BOT_TOKEN_UNREADABLE.code) {
          // Tampering, a row swap or a removed key: worth an operator's look, never the token itself.
          request.log.warn({ bot_id: id }, 'stored bot token could not be opened');
        }
        throw error;
      }
    },
  );
}
