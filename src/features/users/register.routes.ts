// POST /auth/register: a new tenant and its first user (roles admin and user), in one transaction
// with its audit record. Public. REGISTER_RATE_LIMIT counts only the attempts that could create an
// account: those past the content type, the schema and the password policy (counted here, before
// the hash); every attempt, malformed or not, counts against ten times that (the gate's
// `registerAttempts`), so a mistaken client is not locked out and a flood is still bounded.

import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import { errorResponse } from '../../platform/openapi.ts';
import { hashPassword } from '../../platform/passwords/index.ts';
import { acceptEmail, acceptNewPassword, noStore } from '../auth/index.ts';
import type { RequestGate } from '../protection/index.ts';
import { emailAlreadyRegistered } from './users.errors.ts';
import { insertTenant, insertUser, isDuplicateEmail } from './users.repository.ts';
import { RegisterBody, User, userView } from './users.schemas.ts';

/** What registration uses. */
export interface RegisterRouteDeps {
  config: Config;
  inTenant: InTenant;
  gate: RequestGate;
}

// Registration answers 409 for an e-mail that is taken. That tells whoever asks that the address
// has an account (user enumeration, OWASP ASVS 2.x / WSTG-IDNT-04); the alternative — a uniform
// "check your e-mail" answer — needs e-mail delivery, which the platform does not have. The
// registration rate limit bounds how fast anyone can ask: a 409 counts against it, as a success
// does (not counting it would make asking free).

export async function registerRoute(scope: FastifyInstance, deps: RegisterRouteDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/auth/register',
    {
      config: { rateLimit: ['registerAttempts'] },
      schema: {
        tags: ['auth'],
        summary: 'Create a tenant and its first user (roles admin and user)',
        description:
          'Creates a tenant named `tenant_name` (the `full_name` when omitted) with this user as its ' +
          'admin. The password must meet the policy described at `password`; each broken rule is a ' +
          '422 issue. An e-mail that already has an account, in any spelling, is a 409. ' +
          'REGISTER_RATE_LIMIT (per client IP) counts only the attempts that could create an account: ' +
          'those that pass the content type, the schema and the password policy, successes and 409s ' +
          'alike (a 409 says that the e-mail has an account, so asking is never free). Every request ' +
          'counts against ten times that limit in the same window. Over either: 429 with Retry-After.',
        body: RegisterBody,
        response: {
          201: User,
          409: errorResponse('The e-mail is already registered (in any tenant).', emailAlreadyRegistered()),
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const email = acceptEmail(body.email);
      acceptNewPassword(body.password);
      await deps.gate.consume(request, reply, ['register']);
      const passwordHash = await hashPassword(body.password, deps.config.passwordHashCost);
      const tenantId = randomUUID();
      const userId = randomUUID();
      try {
        const user = await deps.inTenant(
          request,
          async (tx) => {
            await insertTenant(tx, { id: tenantId, name: body.tenant_name ?? body.full_name });
            const row = await insertUser(tx, {
              id: userId,
              tenantId,
              email,
              fullName: body.full_name,
              passwordHash,
              roles: ['admin', 'user'],
            });
            tx.note({
              action: 'user.register',
              resourceType: 'user',
              resourceId: userId,
              fields: ['email', 'full_name', 'password', 'roles', 'tenant_name'],
            });
            return row;
          },
          { tenantId, actor: { userId, email } },
        );
        noStore(reply);
        return reply.code(201).send(userView(user));
      } catch (error) {
        if (isDuplicateEmail(error)) throw emailAlreadyRegistered();
        throw error;
      }
    },
  );
}
