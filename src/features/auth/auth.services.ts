// The account services, built from the app's dependencies. Stateless apart from configuration, so
// each route plugin may build its own set.
import type { AppDeps } from '../../app.ts';
import { createDeviceCookies, type DeviceCookies } from './device-cookie.ts';
import { createLoginService, type LoginService } from './login.service.ts';
import { createRevoker, type Revoker } from './revocation.service.ts';
import { createSessionService, type SessionService } from './sessions.service.ts';
import { createUsernameHash, type UsernameHash } from './typed-username.ts';

export interface AuthServices {
  revoker: Revoker;
  sessions: SessionService;
  login: LoginService;
  deviceCookies: DeviceCookies;
  usernameHash: UsernameHash;
}

export function createAuthServices(deps: AppDeps): AuthServices {
  const revoker = createRevoker({
    store: deps.store,
    accessTokenLifetimeMs: deps.config.accessTokenExpireMinutes * 60_000,
  });
  const sessions = createSessionService({ tokens: deps.tokens, config: deps.config });
  const deviceCookies = createDeviceCookies(deps.config.secretKey);
  const usernameHash = createUsernameHash(deps.config.secretKey);
  const login = createLoginService({
    ...deps,
    hooks: deps.loginHooks,
    sessions,
    deviceCookies,
    usernameHash,
  });
  return { revoker, sessions, login, deviceCookies, usernameHash };
}
