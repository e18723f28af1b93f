// Bots: the tenant's own trading bots (CONTRACT.md "Bots"). Every route runs in the request's tenant
// transaction, so another tenant's bot id is a 404 identical to a random one; a malformed id is a
// 422 on every route (the params schema), before any database work.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { errorResponse } from '../../platform/openapi.ts';
import { keysetCursor, keysetOf, toPage } from '../../platform/pagination.ts';
import { legacyMicrosKeyset } from '../../platform/pagination-legacy.ts';
import { authOf } from '../../platform/request-auth.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import { deleteBotWithSubscriptions } from './bot-deletion.ts';
import { createBotTokenCipher } from './bot-token.ts';
import { botNotFound } from './bots.errors.ts';
import { findBot, listBots } from './bots.repository.ts';
import {
  Bot,
  BotCreateBody,
  BotList,
  BotListQuery,
  BotPatchBody,
  BotUpdateBody,
  IdParams,
} from './bots.schemas.ts';
import {
  checkBotInput,
  checkBotPatch,
  createBot,
  newBotId,
  patchBot,
  replaceBot,
  toBotView,
} from './bots.service.ts';
import { connectionTestRoutes } from './connection-test.routes.ts';
import { createConnectionTester } from './connection-test.service.ts';

/** What the bot routes use. */

const notFoundResponse = errorResponse(
  "No such bot in your tenant (another tenant's bot is the same 404).",
  botNotFound(),
);

export interface BotRoutesDeps {
  config: Config;
  inTenant: InTenant;
  metrics: Metrics;
  securityEvents: SecurityEventRecorder;
}

const tags = ['bots'];

/** GET /bots pages in (created_at, id) order. */
const botCursor = keysetCursor('bots', legacyMicrosKeyset);

export async function botRoutes(plugin: FastifyInstance, deps: BotRoutesDeps) {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  const cipher = createBotTokenCipher(deps.config.encryptionKey);
  const tester = createConnectionTester(deps);

  app.get(
    '/bots',
    {
      schema: {
        tags,
        summary: "List the tenant's bots, optionally searched by name and filtered by kind and status",
        description:
          'Oldest first, cursor-paginated: `?limit=` (1–100, default 50) and the `next_cursor` of the page ' +
          'before. Optional filters, all of which must hold: `q` (1–100 characters) keeps the bots whose ' +
          'name contains it, ignoring case, every character taken literally (`%` and `_` are not ' +
          'wildcards); `kind` (`internal`, `external`) and `status` (`stopped`, `running`, `paused`, ' +
          '`error`) keep the bots with that value. A cursor is a position in the (created_at, id) order, ' +
          'not a saved search: send the same filters with it to page through one result; with other ' +
          'filters it continues that order after the same position. An unknown query parameter is a 422.',
        querystring: BotListQuery,
        response: { 200: BotList },
      },
    },
    async (request) => {
      const { cursor, limit, q, kind, status } = request.query;
      const after = botCursor.decode(cursor);
      const rows = await deps.inTenant(request, (tx) =>
        listBots(tx, { after, limit }, { nameContains: q, kind, status }),
      );
      return toPage(rows, limit, botCursor, (row) => keysetOf(row.created_at, row.id), toBotView);
    },
  );

  app.post(
    '/bots',
    {
      schema: {
        tags,
        summary: 'Create a bot',
        description:
          'The bot starts `stopped`. An external bot needs an `api_url`; a refused URL is a 422 whose ' +
          "`msg` says why (e.g. `api_url's host is a loopback address`). `api_token` is write-only.",
        body: BotCreateBody,
        response: { 201: Bot },
      },
    },
    async (request, reply) => {
      checkBotInput(request.body);
      const id = newBotId();
      const { api_url: apiUrl } = request.body;
      if (typeof apiUrl === 'string') await tester.vetUrlForStorage(request, apiUrl, id);
      const createdBy = authOf(request).userId;
      const bot = await deps.inTenant(request, (tx) =>
        createBot(tx, cipher, { id, createdBy, body: request.body }),
      );
      return reply.code(201).send(bot);
    },
  );

  app.get(
    '/bots/:id',
    {
      schema: {
        tags,
        summary: 'Read a bot',
        description: "Another tenant's bot is the same 404 as one that never existed.",
        params: IdParams,
        response: { 200: Bot, 404: notFoundResponse },
      },
    },
    async (request) => {
      const row = await deps.inTenant(request, (tx) => findBot(tx, request.params.id));
      if (row === undefined) throw botNotFound();
      return toBotView(row);
    },
  );

  app.put(
    '/bots/:id',
    {
      schema: {
        tags,
        summary: 'Replace a bot',
        description:
          'A full replacement: every field is required, `status` included, except `api_url` (omitted: ' +
          'the bot has none) and `api_token` (omitted: the stored token is kept; `null`: it is removed). ' +
          'Moving a bot with a stored token to another origin needs the token again (422). To change ' +
          'some fields only, use PATCH.',
        params: IdParams,
        body: BotUpdateBody,
        response: { 200: Bot, 404: notFoundResponse },
      },
    },
    async (request) => {
      checkBotInput(request.body);
      const { api_url: apiUrl } = request.body;
      if (typeof apiUrl === 'string') await tester.vetUrlForStorage(request, apiUrl, request.params.id);
      return deps.inTenant(request, (tx) => replaceBot(tx, cipher, request.params.id, request.body));
    },
  );

  app.patch(
    '/bots/:id',
    {
      schema: {
        tags,
        summary: 'Change some fields of a bot',
        description:
          'Only the fields sent change, each validated as in PUT; at least one field, and unknown ' +
          'fields are a 422. `api_token` omitted keeps the stored token, `null` removes it, a string ' +
          'replaces it; `api_url: null` removes the URL (not for an external bot). A new `api_url` ' +
          'origin with a stored token needs the token again (422). Audited as `bot.update` with the ' +
          'changed fields.',
        params: IdParams,
        body: BotPatchBody,
        response: { 200: Bot, 404: notFoundResponse },
      },
    },
    async (request) => {
      checkBotPatch(request.body);
      const { api_url: apiUrl } = request.body;
      if (typeof apiUrl === 'string') await tester.vetUrlForStorage(request, apiUrl, request.params.id);
      return deps.inTenant(request, (tx) => patchBot(tx, cipher, request.params.id, request.body));
    },
  );

  app.delete(
    '/bots/:id',
    {
      schema: {
        tags,
        summary: 'Delete a bot, cancelling its subscriptions',
        description:
          'Answers 204. The active subscriptions of the bot, of every user of the tenant, are cancelled ' +
          'in the same transaction as the deletion (`status: "cancelled"`, `cancelled_at` set), each ' +
          'with an audit record `subscription.cancel` (reason `bot_deleted`) attributed to the deleting ' +
          'user; then the bot is deleted (audit record `bot.delete` with the number cancelled). The ' +
          "subscriptions stay in their users' `GET /subscriptions`, still naming the deleted bot by " +
          'its `bot_id` (`GET /bots/{bot_id}` is then 404). Nothing is deleted in silence.',
        params: IdParams,
        response: { 204: Type.Null(), 404: notFoundResponse },
      },
    },
    async (request, reply) => {
      await deps.inTenant(request, (tx) => deleteBotWithSubscriptions(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  connectionTestRoutes(app, { deps, cipher, tester });
}
