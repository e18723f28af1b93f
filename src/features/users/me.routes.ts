// The signed-in user's own account: GET/PATCH /users/me, POST /users/me/password, and the session
// list (GET /users/me/sessions, DELETE /users/me/sessions/{id}). Authenticated context.

import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponse } from '../../platform/openapi.ts';
import { keysetCursor, keysetOf, ListQuery, NextCursor, toPage } from '../../platform/pagination.ts';
import { legacyTextKeyset } from '../../platform/pagination-legacy.ts';
import { authOf } from '../../platform/request-auth.ts';
import type { AuthServices } from '../auth/index.ts';
import {
  findLiveSession,
  listLiveSessions,
  noStore,
  sessionOfAccessToken,
  TokenResponse,
  tokenResponse,
} from '../auth/index.ts';
import type { PasswordChangeDeps } from './password-change.ts';
import { changePassword } from './password-change.ts';
import { incorrectPassword, sessionNotFound, userNotFound } from './users.errors.ts';
import { findUser, updateUser } from './users.repository.ts';
import { ChangePasswordBody, UpdateMeBody, User, userView } from './users.schemas.ts';

const Session = Type.Object({
  id: Type.String({ format: 'uuid' }),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.String({ format: 'date-time' }),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean({ description: 'the session of the token making this request' }),
});
const SessionPage = Type.Object({ items: Type.Array(Session), next_cursor: NextCursor });

/** GET /users/me/sessions pages newest first, in (created_at, id) order. */
const sessionCursor = keysetCursor('sessions', legacyTextKeyset);

/** What the routes of the signed-in user's own account use. */
export interface MeRouteDeps extends PasswordChangeDeps {
  auth: AuthServices;
}

export async function meRoutes(scope: FastifyInstance, deps: MeRouteDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(cookie);
  const services = deps.auth;

  app.get(
    '/users/me',
    {
      schema: {
        tags: ['users'],
        summary: 'Your own account',
        description: 'The signed-in user: e-mail, name, roles, tenant and whether the account is active.',
        security: [{ bearerAuth: [] }],
        response: { 200: User, 404: errorResponse('The account was deleted meanwhile.', userNotFound()) },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const user = await deps.inTenant(request, (tx) => findUser(tx, auth.userId));
      if (user === undefined) throw userNotFound();
      noStore(reply);
      return userView(user);
    },
  );

  app.patch(
    '/users/me',
    {
      schema: {
        tags: ['users'],
        summary: 'Change your own name',
        description:
          'Only `full_name` can be changed here; roles and `is_active` are for the tenant admin ' +
          '(PATCH /users/{id}), the password has its own operation.',
        security: [{ bearerAuth: [] }],
        body: UpdateMeBody,
        response: { 200: User, 404: errorResponse('The account was deleted meanwhile.', userNotFound()) },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const user = await deps.inTenant(request, async (tx) => {
        const row = await updateUser(tx, auth.userId, { fullName: request.body.full_name });
        if (row === undefined) throw userNotFound();
        tx.note({
          action: 'user.update',
          resourceType: 'user',
          resourceId: auth.userId,
          fields: ['full_name'],
        });
        return row;
      });
      noStore(reply);
      return userView(user);
    },
  );

  app.post(
    '/users/me/password',
    {
      schema: {
        tags: ['users'],
        summary: 'Change the password; every session and token of the user is revoked',
        description:
          'Answers a new token pair for a new session of the caller; every earlier session and access ' +
          'token of the user, including the one used for this request, is refused from now on. ' +
          'A wrong current password is 400 INCORRECT_PASSWORD and counts toward brute-force detection. ' +
          'The new password follows the registration policy (422 naming each rule it breaks).',
        security: [{ bearerAuth: [] }],
        body: ChangePasswordBody,
        response: {
          200: TokenResponse,
          400: errorResponse('The current password is wrong.', incorrectPassword()),
          404: errorResponse('The account was deleted meanwhile.', userNotFound()),
        },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const pair = await changePassword(request, auth, request.body, deps, services);
      return tokenResponse(request, reply, deps.config, pair, request.body.cookie === true);
    },
  );

  app.get(
    '/users/me/sessions',
    {
      schema: {
        tags: ['users'],
        summary: "The user's live sessions, newest first",
        description:
          'One per login (or password change) not yet ended or expired, with the address and user agent ' +
          'it was last used from; `current` marks the session of the token making this request.',
        security: [{ bearerAuth: [] }],
        querystring: ListQuery,
        response: { 200: SessionPage },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const { limit, cursor } = request.query;
      const after = sessionCursor.decode(cursor);
      const [rows, current] = await deps.inTenant(
        request,
        async (tx) =>
          [
            await listLiveSessions(tx, auth.userId, { limit: limit + 1, after }),
            await sessionOfAccessToken(tx, auth.jti),
          ] as const,
      );
      noStore(reply);
      return toPage(
        rows,
        limit,
        sessionCursor,
        (row) => keysetOf(row.cursor_key, row.id),
        (row) => ({
          id: row.id,
          created_at: new Date(row.created_at).toISOString(),
          last_used_at: new Date(row.last_used_at).toISOString(),
          ip: row.ip,
          user_agent: row.user_agent,
          current: row.id === current,
        }),
      );
    },
  );

  app.delete(
    '/users/me/sessions/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'End one session: its refresh token and the access tokens it issued are revoked',
        description: 'Signs one device out, at once; ending the current session signs this client out too.',
        security: [{ bearerAuth: [] }],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: {
          204: { type: 'null', description: 'Session ended' },
          404: errorResponse('No live session of yours has this id.', sessionNotFound()),
        },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const sessionId = request.params.id;
      await deps.inTenant(request, async (tx) => {
        if (!(await findLiveSession(tx, auth.userId, sessionId))) {
          throw sessionNotFound();
        }
        const who = { tenantId: auth.tenantId, userId: auth.userId };
        await services.revoker.endSessions(tx, who, { sessionId }, 'session_ended');
        tx.note({ action: 'session.end', resourceType: 'session', resourceId: sessionId });
      });
      deps.metrics.tokenRevocations.inc({ reason: 'session_ended' });
      return reply.code(204).send(null);
    },
  );
}
