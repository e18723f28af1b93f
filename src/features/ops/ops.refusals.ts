// The operations feature's refusals (/ops/*, /metrics), all with the platform's codes: the feature
// has no catalogue of its own (a tenant an operator names that does not exist is the tenants
// feature's TENANT_NOT_FOUND). A refused scrape of /metrics is the platform's NOT_AUTHENTICATED
// (wrong or missing METRICS_TOKEN) or FORBIDDEN (not loopback).
import type { AppError } from '../../platform/errors.ts';
import { forbidden, notFound } from '../../platform/errors.ts';

/** DELETE /ops/blocked-ips/{ip} for an address that is not blocked. */
export const noBlockForAddress = (): AppError => notFound('No block for this address');

/** METRICS_TOKEN is unset, so only a loopback peer may scrape. */
export const metricsLoopbackOnly = (): AppError => forbidden('Metrics are only served to loopback clients');
