// The tenants feature's errors. A tenant is only ever reached as the caller's own (GET/PATCH
// /tenant) or named by an operator (GET /ops/audit-log/verify?tenant_id=).
import { AppError, defineErrors } from '../../platform/errors.ts';

export const TENANT_ERRORS = defineErrors({
  TENANT_NOT_FOUND: 404,
});

declare module '../../platform/errors.ts' {
  interface ErrorCatalogues {
    tenants: typeof TENANT_ERRORS;
  }
}

/** No such tenant: an operator named one that does not exist, or the caller's own has gone. */
export const tenantNotFound = (): AppError => new AppError(404, 'TENANT_NOT_FOUND', 'Tenant not found');
