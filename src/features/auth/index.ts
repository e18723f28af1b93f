// The auth feature's public surface: account input (the fields a person types, their checks),
// credentials and sessions, token answers, revocation.

export { Email, FullName, NewPassword, Password, TenantName } from './account.schemas.ts';
export { acceptEmail, acceptName, acceptNewPassword, normaliseEmail } from './account-input.ts';
export { TokenResponse } from './auth.schemas.ts';
export type { AuthServices } from './auth.services.ts';
export { createAuthServices } from './auth.services.ts';
export { findLoginAccount, updatePasswordHash } from './login.repository.ts';
export type { Revoker } from './revocation.service.ts';
export { afterMark } from './revocation.service.ts';
export { findLiveSession, listLiveSessions, sessionOfAccessToken } from './sessions.repository.ts';
export type { TokenPair } from './sessions.service.ts';
export { clientInfo } from './sessions.service.ts';
export { noStore, tokenResponse } from './token-response.ts';
