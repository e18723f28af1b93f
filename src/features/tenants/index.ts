// The tenants feature's public surface.
export { tenantNotFound } from './tenants.errors.ts';
