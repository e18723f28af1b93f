// Tenant administration (role `admin`, own tenant only): GET/POST /users, PATCH/DELETE /users/{id}.
// Row-level security confines every statement to the admin's tenant, so another tenant's user id is
// simply not found: 404, never 403 (existence is not disclosed). Rules: users.service.ts.

import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import { ErrorBody } from '../../platform/errors.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { keysetCursor, keysetOf, ListQuery, NextCursor, toPage } from '../../platform/pagination.ts';
import { legacyTextKeyset } from '../../platform/pagination-legacy.ts';
import { hashPassword } from '../../platform/passwords/index.ts';
import type { RequireRole } from '../../platform/request-auth.ts';
import { authOf } from '../../platform/request-auth.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import type { AuthServices } from '../auth/index.ts';
import { acceptEmail, acceptNewPassword, noStore } from '../auth/index.ts';
import { emailAlreadyRegistered } from './users.errors.ts';
import { insertUser, isDuplicateEmail, listUsers } from './users.repository.ts';
import { CreateUserBody, UpdateUserBody, User, UserIdParams, userView } from './users.schemas.ts';
import { createUserAdmin } from './users.service.ts';

/** What the tenant admin user routes use. */
export interface AdminUserRouteDeps {
  auth: AuthServices;
  config: Config;
  inTenant: InTenant;
  metrics: Metrics;
  requireRole: RequireRole;
  securityEvents: SecurityEventRecorder;
}

const UserPage = Type.Object({ items: Type.Array(User), next_cursor: NextCursor });

/** GET /users pages in (created_at, id) order. */
const userCursor = keysetCursor('users', legacyTextKeyset);

export async function adminUserRoutes(scope: FastifyInstance, deps: AdminUserRouteDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  // Runs after the authenticated context's onRequest (authentication): the cheapest refusal first.
  app.addHook('onRequest', deps.requireRole('admin'));
  const services = deps.auth;
  const userAdmin = createUserAdmin({
    revoker: services.revoker,
    metrics: deps.metrics,
    securityEvents: deps.securityEvents,
  });
  const security = [{ bearerAuth: [] }];

  app.get(
    '/users',
    {
      schema: {
        tags: ['tenant administration'],
        security,
        querystring: ListQuery,
        response: { 200: UserPage },
      },
    },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const after = userCursor.decode(cursor);
      const rows = await deps.inTenant(request, (tx) => listUsers(tx, { limit: limit + 1, after }));
      noStore(reply);
      return toPage(rows, limit, userCursor, (row) => keysetOf(row.cursor_key, row.id), userView);
    },
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['tenant administration'],
        summary: 'Create a user in the admin\'s tenant (roles default to ["user"])',
        security,
        body: CreateUserBody,
        response: { 201: User, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const { body } = request;
      const email = acceptEmail(body.email);
      acceptNewPassword(body.password);
      const passwordHash = await hashPassword(body.password, deps.config.passwordHashCost);
      const userId = randomUUID();
      try {
        const user = await deps.inTenant(request, async (tx) => {
          const row = await insertUser(tx, {
            id: userId,
            tenantId: auth.tenantId,
            email,
            fullName: body.full_name,
            passwordHash,
            roles: body.roles ?? ['user'],
          });
          tx.note({
            action: 'user.create',
            resourceType: 'user',
            resourceId: userId,
            fields: ['email', 'full_name', 'password', 'roles'],
            details: { roles: row.roles },
          });
          return row;
        });
        noStore(reply);
        return reply.code(201).send(userView(user));
      } catch (error) {
        if (isDuplicateEmail(error)) throw emailAlreadyRegistered();
        throw error;
      }
    },
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags: ['tenant administration'],
        summary: 'Change a user: is_active, roles (admin, user), full_name',
        security,
        params: UserIdParams,
        body: UpdateUserBody,
        response: { 200: User, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const { body } = request;
      const user = await deps.inTenant(request, async (tx) => {
        const row = await userAdmin.update(tx, auth, request.params.id, body, request);
        const action =
          body.is_active === false
            ? 'user.deactivate'
            : body.is_active === true
              ? 'user.reactivate'
              : 'user.update';
        tx.note({
          action,
          resourceType: 'user',
          resourceId: row.id,
          fields: Object.keys(body),
          details: { roles: row.roles, is_active: row.is_active },
        });
        return row;
      });
      noStore(reply);
      return userView(user);
    },
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags: ['tenant administration'],
        security,
        params: UserIdParams,
        response: { 204: { type: 'null', description: 'User deleted' }, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const { id } = request.params;
      await deps.inTenant(request, async (tx) => {
        await userAdmin.remove(tx, auth, id);
        tx.note({ action: 'user.delete', resourceType: 'user', resourceId: id });
      });
      return reply.code(204).send(null);
    },
  );
}
