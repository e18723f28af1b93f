// The shapes the console reads and sends, taken from the generated OpenAPI types
// (clients/typescript/src/schema.ts, `npm run client:generate`), never written by hand: when the API
// changes, `npm run typecheck` shows every page that must follow.
import type { paths } from '@tradewise/client';

type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];

/** The JSON body of an operation's success (200 unless `S` says otherwise). */
export type Ok<P extends keyof paths, M extends keyof paths[P], S extends number = 200> =
  Operation<P, M> extends { responses: { [K in S]: { content: { 'application/json': infer Body } } } }
    ? Body
    : never;

/** The JSON body an operation takes. */
export type Input<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer Body } } } ? Body : never;

/** An operation's query parameters. */
export type Query<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type Me = Ok<'/api/v1/users/me', 'get'>;
export type Bot = Ok<'/api/v1/bots/{id}', 'get'>;
export type BotInput = Input<'/api/v1/bots', 'post'>;
export type BotChanges = Input<'/api/v1/bots/{id}', 'patch'>;
export type ConnectionResult = Ok<'/api/v1/bots/{id}/test-connection', 'post'>;
export type Subscription = Ok<'/api/v1/subscriptions/{id}', 'get'>;
export type User = Ok<'/api/v1/users/{id}', 'patch'>;
export type Session = Ok<'/api/v1/users/me/sessions', 'get'>['items'][number];
export type Tenant = Ok<'/api/v1/tenant', 'get'>;
export type AuditRecord = Ok<'/api/v1/admin/audit-log', 'get'>['items'][number];
export type AuditVerification = Ok<'/api/v1/admin/audit-log/verify', 'get'>;
export type SecurityEvent = Ok<'/api/v1/admin/security-events', 'get'>['items'][number];
export type OpsSecurityEvent = Ok<'/api/v1/ops/security-events', 'get'>['items'][number];
export type BlockedIp = Ok<'/api/v1/ops/blocked-ips', 'get'>['items'][number];
export type AuditQuery = Query<'/api/v1/admin/audit-log', 'get'>;
export type SecurityEventQuery = Query<'/api/v1/ops/security-events', 'get'>;
