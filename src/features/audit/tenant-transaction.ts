// The one way a request touches tenant data: `inTenant(request, tx => …)`. It runs the work in a
// row-level-security transaction for the request's tenant and, for a mutating request
// (POST/PUT/PATCH/DELETE) whose work succeeds, writes the audit record in that same transaction
// before it commits — so no committed change is ever without its record, and a request that
// fails leaves neither change nor record.
import type { FastifyRequest } from 'fastify';
import type { Database, Tx } from '../../platform/db/index.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { appendAuditRecord } from './audit.repository.ts';
import { createTenantWriterGate } from './tenant-writer-gate.ts';

/** What the handler says about its change. Field names only — never secret values. */
export interface AuditNote {
  /** `<resource>.<verb>`, e.g. `bot.create`, `user.deactivate`. */
  action: string;
  resourceType?: string;
  resourceId?: string;
  /** Names of the fields the change set or altered. */
  fields?: readonly string[];
  details?: Record<string, unknown>;
}

export interface TenantTx extends Tx {
  /** Describes the change; the last note wins. Without one, the action is derived from the route. */
  audit(note: AuditNote): void;
}

export interface InTenantOptions {
  /** Defaults to the authenticated tenant; pre-login routes (register, login) name it. */
  tenantId?: string;
  /** Defaults to the authenticated user. */
  actor?: { userId: string; email: string };
  /**
   * The status the client gets, when the caller knows it and the route's schema does not: an
   * action recorded after its outcome (a connection test refused at connect time is a 422).
   */
  status?: number;
  /**
   * `false`: a read on a mutating route whose caller writes the record itself once the outcome is
   * known (connection tests). The transaction is then read-only, so nothing can be committed
   * without a record.
   */
  record?: false;
}

export type InTenant = <T>(
  request: FastifyRequest,
  work: (tx: TenantTx) => Promise<T>,
  options?: InTenantOptions,
) => Promise<T>;

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The status a route answers on success: the first 2xx of its response schema, else 200. */
export function successStatus(request: FastifyRequest): number {
  const response = (request.routeOptions.schema?.response ?? {}) as Record<string, unknown>;
  const codes = Object.keys(response)
    .map(Number)
    .filter((code) => code >= 200 && code < 300)
    .sort((a, b) => a - b);
  return codes[0] ?? 200;
}

// Audit records name fields, never values of secrets (OWASP ASVS 4.0.3 V7.1.1). Handlers pass field
// names only; this catches a detail that carries a secret by mistake.
const SECRET_KEY = /pass(word)?|secret|token|api[_-]?key|authorization|cookie|credential|private/i;

function redactSecrets(value: unknown): Record<string, unknown> {
  const redact = (inner: unknown): unknown => {
    if (Array.isArray(inner)) return inner.map(redact);
    if (inner === null || typeof inner !== 'object') return inner;
    return Object.fromEntries(
      Object.entries(inner).map(([key, v]) => [key, SECRET_KEY.test(key) ? '[REDACTED]' : redact(v)]),
    );
  };
  return redact(value) as Record<string, unknown>;
}

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}

export function createInTenant(deps: { db: Database; metrics: Metrics }): InTenant {
  const gate = createTenantWriterGate();
  // Requests inside a gated transaction: a nested call must not wait for a slot its caller holds.
  const inside = new WeakSet<FastifyRequest>();
  return async (request, work, options = {}) => {
    const tenantId = options.tenantId ?? request.auth?.tenantId;
    if (tenantId === undefined) throw new TypeError('inTenant needs an authenticated request or a tenantId');
    const actor =
      options.actor ??
      (request.auth ? { userId: request.auth.userId, email: request.auth.email } : undefined);
    let recorded = false;
    const mutating = MUTATING.has(request.method) && options.record !== false;
    // Reads take the one-round-trip path: each statement in its own READ ONLY transaction.
    const run = () =>
      deps.db.withTenant(
        tenantId,
        async (tx) => {
          let note: AuditNote | undefined;
          const value = await work({
            ...tx,
            audit: (n) => {
              note = n;
            },
          });
          if (mutating) {
            const route = request.routeOptions.url ?? pathOf(request);
            // Last in the transaction: appending takes the tenant's chain-head lock until commit.
            await appendAuditRecord(tx, {
              tenantId,
              actorUserId: actor?.userId ?? null,
              actorEmail: actor?.email ?? null,
              ip: request.ip,
              method: request.method,
              route,
              path: pathOf(request),
              status: options.status ?? successStatus(request),
              requestId: request.id,
              serverRequestId: request.serverRequestId,
              action: note?.action ?? `${request.method} ${route}`,
              resourceType: note?.resourceType ?? null,
              resourceId: note?.resourceId ?? null,
              changes: { ...redactSecrets(note?.details ?? {}), fields: [...(note?.fields ?? [])] },
            });
            recorded = true;
          }
          return value;
        },
        { readOnly: !mutating },
      );
    let result: Awaited<ReturnType<typeof run>>;
    if (!mutating || inside.has(request)) {
      result = await run();
    } else {
      inside.add(request);
      try {
        result = await gate.run(tenantId, run);
      } finally {
        inside.delete(request);
      }
    }
    if (recorded) deps.metrics.auditRecords.inc();
    return result;
  };
}
