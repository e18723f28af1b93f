// The operations feature's errors (/ops/*, /metrics). A refused scrape of /metrics is the
// platform's NOT_AUTHENTICATED (wrong or missing METRICS_TOKEN) or FORBIDDEN (not loopback).
import { AppError, defineErrors, forbidden, notFound } from '../../platform/errors.ts';

export const OPS_ERRORS = defineErrors({
  TENANT_NOT_FOUND: 404,
});

declare module '../../platform/errors.ts' {
  interface ErrorCatalogues {
    ops: typeof OPS_ERRORS;
  }
}

/** An operator named a tenant that does not exist (GET /ops/audit-log/verify). */
export const tenantNotFound = (): AppError => new AppError(404, 'TENANT_NOT_FOUND', 'Tenant not found');

/** DELETE /ops/blocked-ips/{ip} for an address that is not blocked. */
export const noBlockForAddress = (): AppError => notFound('No block for this address');

/** METRICS_TOKEN is unset, so only a loopback peer may scrape. */
export const metricsLoopbackOnly = (): AppError => forbidden('Metrics are only served to loopback clients');
