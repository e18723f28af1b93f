// Public account routes: registration (POST /auth/register) here, login, refresh and logout in their
// own files, all in one context that reads cookies. Authenticated routes (logout-all) register in
// the authenticated context instead.
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.ts';
import { ErrorBody } from '../../platform/errors.ts';
import { hashPassword } from '../../platform/passwords/index.ts';
import { acceptEmail, acceptNewPassword } from '../users/account-input.ts';
import { emailAlreadyRegistered } from '../users/users.errors.ts';
import { insertTenant, insertUser, isDuplicateEmail } from '../users/users.repository.ts';
import { User, userView } from '../users/users.schemas.ts';
import { RegisterBody } from './auth.schemas.ts';
import { createAuthServices } from './auth.services.ts';
import { logoutRoute } from './logout.routes.ts';
import { refreshRoute } from './refresh.routes.ts';
import { tokenRoute } from './token.routes.ts';
import { noStore } from './token-response.ts';

// Registration answers 409 for an e-mail that is taken. That tells whoever asks that the address
// has an account (user enumeration, OWASP ASVS 2.x / WSTG-IDNT-04); the alternative — a uniform
// "check your e-mail" answer — needs e-mail delivery, which the platform does not have. The
// registration rate limit bounds how fast anyone can ask.

export async function authRoutes(scope: FastifyInstance, deps: AppDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(cookie);
  const services = createAuthServices(deps);

  app.post(
    '/auth/register',
    {
      config: { rateLimit: ['register'] },
      schema: {
        tags: ['auth'],
        summary: 'Create a tenant and its first user (roles admin and user)',
        body: RegisterBody,
        response: { 201: User, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const email = acceptEmail(body.email);
      acceptNewPassword(body.password);
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
            tx.audit({
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

  await app.register(tokenRoute, { deps, services });
  await app.register(refreshRoute, { deps, services });
  await app.register(logoutRoute, { deps, services });
}
