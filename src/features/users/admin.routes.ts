// Tenant administration (role `admin`, own tenant only): GET/POST /users, PATCH/DELETE /users/{id}.
// Row-level security confines every statement to the admin's tenant, so another tenant's user id is
// simply not found: 404, never 403 (existence is not disclosed). Rules: users.service.ts.

import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { errorResponse } from '../../platform/openapi.ts';
import { keysetCursor, keysetOf, ListQuery, NextCursor, toPage } from '../../platform/pagination.ts';
import { legacyTextKeyset } from '../../platform/pagination-legacy.ts';
import { hashPassword } from '../../platform/passwords/index.ts';
import type { RequireRole } from '../../platform/request-auth.ts';
import { authOf } from '../../platform/request-auth.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import type { AuthServices } from '../auth/index.ts';
import { acceptEmail, acceptNewPassword, noStore } from '../auth/index.ts';
import { cannotRaiseOwnRoles, emailAlreadyRegistered, lastAdmin, userNotFound } from './users.errors.ts';
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
  // Each route's first onRequest step after the authenticated context's (authentication): the
  // cheapest refusal first. Per route, so that the OpenAPI document sees the guard (its 403).
  const onRequest = deps.requireRole('admin');
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
      onRequest,
      schema: {
        tags: ['tenant administration'],
        summary: "List the tenant's users",
        description: 'Every user of your tenant, active or not, oldest first; cursor-paginated.',
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
      onRequest,
      schema: {
        tags: ['tenant administration'],
        summary: 'Create a user in the admin\'s tenant (roles default to ["user"])',
        description:
          'The password follows the registration policy; e-mails are unique across the platform, so an ' +
          'address in use in any tenant is a 409. The new user can log in at once.',
        security,
        body: CreateUserBody,
        response: {
          201: User,
          409: errorResponse('The e-mail is already registered (in any tenant).', emailAlreadyRegistered()),
        },
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
      onRequest,
      schema: {
        tags: ['tenant administration'],
        summary: 'Change a user: is_active, roles (admin, user), full_name',
        description:
          'Only the fields sent change. Deactivating a user (`is_active: false`) ends their sessions, and ' +
          'their tokens are refused from then on; a role change refuses the access tokens issued before ' +
          'it, so the new roles apply from the next token. The last active admin of the tenant cannot be ' +
          'deactivated or demoted, and no one raises their own roles.',
        security,
        params: UserIdParams,
        body: UpdateUserBody,
        response: {
          200: User,
          403: errorResponse('You tried to raise your own roles.', cannotRaiseOwnRoles()),
          404: errorResponse('No such user in your tenant.', userNotFound()),
          409: errorResponse('The change would leave the tenant without an active admin.', lastAdmin()),
        },
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
      onRequest,
      schema: {
        tags: ['tenant administration'],
        summary: 'Delete a user of the tenant',
        description:
          'The user is removed and every access token issued to them is refused at once. The audit trail ' +
          'keeps the records of what they did. The last active admin of the tenant cannot be deleted.',
        security,
        params: UserIdParams,
        response: {
          204: { type: 'null', description: 'User deleted' },
          404: errorResponse('No such user in your tenant.', userNotFound()),
          409: errorResponse('The user is the last active admin of the tenant.', lastAdmin()),
        },
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
