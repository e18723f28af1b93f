// Public credential routes: login, refresh and logout (each in its own file), in one context that
// reads cookies. Registration is the users feature's (users/register.routes.ts); authenticated
// routes (logout-all) register in the authenticated context instead.
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthServices } from './auth.services.ts';
import type { LogoutRouteDeps } from './logout.routes.ts';
import { logoutRoute } from './logout.routes.ts';
import type { RefreshRouteDeps } from './refresh.routes.ts';
import { refreshRoute } from './refresh.routes.ts';
import type { TokenRouteDeps } from './token.routes.ts';
import { tokenRoute } from './token.routes.ts';

/** What login, refresh and logout use. */
export type AuthRouteDeps = TokenRouteDeps & RefreshRouteDeps & LogoutRouteDeps & { auth: AuthServices };

export async function authRoutes(scope: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(cookie);
  const services = deps.auth;

  await app.register(tokenRoute, { deps, services });
  await app.register(refreshRoute, { deps, services });
  await app.register(logoutRoute, { deps, services });
}
