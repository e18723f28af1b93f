// The account services, built from the app's dependencies. Stateless apart from configuration, so
// each route plugin may build its own set.
import type { Config } from '../../config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import type { Metrics } from '../../platform/metrics.ts';
import type { StateStore } from '../../platform/store/index.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import type { LoginHooks } from '../protection/index.ts';
import { createDeviceCookies, type DeviceCookies } from './device-cookie.ts';
import { createLoginService, type LoginService } from './login.service.ts';
import { createRevoker, type Revoker } from './revocation.service.ts';
import { createSessionService, type SessionService } from './sessions.service.ts';
import type { TokenService } from './tokens.ts';
import { createUsernameHash, type UsernameHash } from './typed-username.ts';

/** What the account services are built from. */
export interface AuthServicesDeps {
  config: Config;
  db: Database;
  store: StateStore;
  metrics: Metrics;
  tokens: TokenService;
  securityEvents: SecurityEventRecorder;
  inTenant: InTenant;
  loginHooks: LoginHooks;
}

export interface AuthServices {
  revoker: Revoker;
  sessions: SessionService;
  login: LoginService;
  deviceCookies: DeviceCookies;
  usernameHash: UsernameHash;
}

export function createAuthServices(deps: AuthServicesDeps): AuthServices {
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
