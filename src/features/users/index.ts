// The users feature's public surface.
export { tenantExists } from './users.repository.ts';
