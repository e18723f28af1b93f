// The one way a request touches tenant data: `inTenant(request, tx => …)`. It runs the work in a
// row-level-security transaction for the request's tenant. For a mutating request
// (POST/PUT/PATCH/DELETE) whose work succeeds, the commit hooks run in that same transaction just
// before it commits: the audit trail registers its record there (features/audit/audit-hook.ts), so
// no committed change is ever without its record, and a request that fails leaves neither.
import type { FastifyRequest } from 'fastify';
import { createTenantWriterGate } from './tenant-writer-gate.ts';
import type { Database, Tx } from './types.ts';

/** What the handler says about its change. Field names only — never secret values. */
export interface ChangeNote {
  /** `<resource>.<verb>`, e.g. `bot.create`, `user.deactivate`. */
  action: string;
  resourceType?: string;
  resourceId?: string;
  /** Names of the fields the change set or altered. */
  fields?: readonly string[];
  details?: Record<string, unknown>;
}

export interface TenantTx extends Tx {
  /** Describes the change for the commit hooks; the last note wins. */
  note(note: ChangeNote): void;
  /**
   * Describes a change the request made to another resource on the way (a bot's deletion cancels
   * its subscriptions): one more audit record each, in order, before the request's own.
   */
  noteRelated(note: ChangeNote): void;
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
   * `false`: a read on a mutating route whose caller records the change itself once the outcome is
   * known (connection tests). The transaction is then read-only and runs no commit hooks, so
   * nothing can be committed without its record.
   */
  record?: false;
}

export type InTenant = <T>(
  request: FastifyRequest,
  work: (tx: TenantTx) => Promise<T>,
  options?: InTenantOptions,
) => Promise<T>;

/** A mutating request's change, as the commit hooks see it. */
export interface Change {
  request: FastifyRequest;
  tenantId: string;
  actor: { userId: string; email: string } | undefined;
  /** The route's pattern (`/api/v1/bots/:id`), or the path when the route has none. */
  route: string;
  /** The request's path, without its query string. */
  path: string;
  /** The status the client gets on success. */
  status: number;
  /** The handler's note, if it wrote one. */
  note: ChangeNote | undefined;
  /** The changes to other resources it noted (`noteRelated`), in order. */
  related: readonly ChangeNote[];
}

export interface CommitHook {
  /** Last in the transaction, in hook order; a failure rolls the whole change back. */
  beforeCommit(tx: Tx, change: Change): Promise<void>;
  /** Once the transaction committed. */
  afterCommit?(change: Change): void;
}

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

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}

export function createInTenant(deps: { db: Database; hooks: readonly CommitHook[] }): InTenant {
  const gate = createTenantWriterGate();
  // Requests inside a gated transaction: a nested call must not wait for a slot its caller holds.
  const inside = new WeakSet<FastifyRequest>();
  return async (request, work, options = {}) => {
    const tenantId = options.tenantId ?? request.auth?.tenantId;
    if (tenantId === undefined) throw new TypeError('inTenant needs an authenticated request or a tenantId');
    const actor =
      options.actor ??
      (request.auth ? { userId: request.auth.userId, email: request.auth.email } : undefined);
    let committed: Change | undefined;
    const mutating = MUTATING.has(request.method) && options.record !== false;
    // Reads take the one-round-trip path: each statement in its own READ ONLY transaction.
    const run = () =>
      deps.db.withTenant(
        tenantId,
        async (tx) => {
          let note: ChangeNote | undefined;
          const related: ChangeNote[] = [];
          const value = await work({
            ...tx,
            note: (n) => {
              note = n;
            },
            noteRelated: (n) => {
              related.push(n);
            },
          });
          if (mutating) {
            const change: Change = {
              request,
              tenantId,
              actor,
              route: request.routeOptions.url ?? pathOf(request),
              path: pathOf(request),
              status: options.status ?? successStatus(request),
              note,
              related,
            };
            for (const hook of deps.hooks) await hook.beforeCommit(tx, change);
            committed = change;
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
    const change = committed;
    if (change !== undefined) for (const hook of deps.hooks) hook.afterCommit?.(change);
    return result;
  };
}
