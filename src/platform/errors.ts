// One error type for the whole service and one handler that renders the contract's shape:
// {"detail": "...", "code": "UPPER_SNAKE"}, with FastAPI's 422 list for validation failures.
// 5xx details never leave the process: the client gets a fixed message and the request id.
//
// Every code the service answers with is in a catalogue: the platform's below, and one
// `<feature>.errors.ts` per feature that throws, which adds its catalogue to `ErrorCatalogues`
// (declaration merging, as features add their decorators to Fastify's types). `ErrorCode` is the
// union of them all, so a code is written once, in its catalogue, and a misspelt or unlisted code
// (or a code with another status than its catalogue's) does not compile. docs/errors.md lists them
// for client authors; test/platform/errors.catalogue.test.ts keeps the code and that page in step.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { StoreUnavailableError } from './store/types.ts';
import type { ValidationIssue } from './validation.ts';
import { toValidationIssues } from './validation.ts';

/** A catalogue's entry: the code and the one status it is answered with. */
export interface ErrorEntry<Code extends string = string, Status extends number = number> {
  readonly code: Code;
  readonly status: Status;
}

/** `{ CODE: status }` → a frozen catalogue whose entries know their code (for catch sites). */
export function defineErrors<const T extends Record<string, number>>(
  statuses: T,
): { readonly [Code in keyof T & string]: ErrorEntry<Code, T[Code]> } {
  const entries = Object.entries(statuses).map(([code, status]) => [code, Object.freeze({ code, status })]);
  return Object.freeze(Object.fromEntries(entries));
}

/** Codes of the platform itself, and the generic ones several features answer with. */
export const PLATFORM_ERRORS = defineErrors({
  BAD_REQUEST: 400,
  INVALID_ENCODING: 400,
  JSON_TOO_DEEP: 400,
  NOT_AUTHENTICATED: 401,
  FORBIDDEN: 403,
  HTTPS_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  SERVICE_UNAVAILABLE: 503,
});

/** Every catalogue, by owner; each `<feature>.errors.ts` adds its own (`declare module`). */
export interface ErrorCatalogues {
  platform: typeof PLATFORM_ERRORS;
}

type AnyEntry = {
  [Owner in keyof ErrorCatalogues]: ErrorCatalogues[Owner][keyof ErrorCatalogues[Owner]];
}[keyof ErrorCatalogues];

/** Every code the service answers with. */
export type ErrorCode = AnyEntry['code'];

/** `AppError`'s arguments: each code with its catalogue's status and no other. */
type AppErrorArguments = {
  [Entry in AnyEntry as Entry['code']]: [
    statusCode: Entry['status'],
    code: Entry['code'],
    detail: string,
    headers?: Readonly<Record<string, string>>,
  ];
}[ErrorCode];

export class AppError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(...[statusCode, code, detail, headers = {}]: AppErrorArguments) {
    super(detail);
    this.name = 'AppError';
    this.statusCode = statusCode;
    this.code = code;
    this.detail = detail;
    this.headers = headers;
  }
}

/** Raised for input that fails a rule beyond the schema; rendered like a schema failure. */
export class ValidationFailed extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super('validation failed');
    this.name = 'ValidationFailed';
  }
}

/** The body of every error but a validation failure: for route schemas' error responses. */
export const ErrorBody = Type.Object({ detail: Type.String(), code: Type.String() });

/** The body of a 422: FastAPI's list of issues, each with where (`loc`), what (`msg`) and a `type`. */
export const ValidationErrorBody = Type.Object({
  detail: Type.Array(
    Type.Object({
      loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
      msg: Type.String(),
      type: Type.String(),
    }),
  ),
  code: Type.Literal(PLATFORM_ERRORS.VALIDATION_FAILED.code),
});

type ErrorBodyOf = (Static<typeof ErrorBody> & { code: ErrorCode }) | Static<typeof ValidationErrorBody>;

/**
 * The status the error handler below answers `error` with, for a record written before the answer
 * (an audit record of an action refused after it began).
 */
export function statusOfError(error: unknown): number {
  if (error instanceof AppError) return error.statusCode;
  if (error instanceof ValidationFailed) return 422;
  if (error instanceof StoreUnavailableError || isDatabaseUnavailable(error)) return 503;
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

export const serviceUnavailable = (what: string): AppError =>
  new AppError(503, 'SERVICE_UNAVAILABLE', `Service temporarily unavailable: ${what}`, {
    'retry-after': '5',
  });

/** No valid credentials; RFC 6750 §3 asks for the `WWW-Authenticate` challenge. */
export const notAuthenticated = (): AppError =>
  new AppError(401, 'NOT_AUTHENTICATED', 'Could not validate credentials', { 'www-authenticate': 'Bearer' });

/** Authenticated but not allowed; `detail` says what, never who holds the permission. */
export const forbidden = (detail: string): AppError => new AppError(403, 'FORBIDDEN', detail);

export const notFound = (detail: string): AppError => new AppError(404, 'NOT_FOUND', detail);

export const internalError = (): AppError => new AppError(500, 'INTERNAL_ERROR', 'Internal server error');

// Fastify's own client errors, mapped to stable codes and messages of ours.
const FASTIFY_CLIENT_ERRORS: Record<string, [number, ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'Request body too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST', 'Invalid Content-Length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BAD_REQUEST', 'Request body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'BAD_REQUEST', 'Request body is not valid JSON'],
  FST_ERR_BAD_URL: [400, 'BAD_REQUEST', 'Malformed URL'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'BAD_REQUEST', 'Bad request'],
};

function send(reply: FastifyReply, status: number, body: ErrorBodyOf, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send(body);
}

const sendAppError = (reply: FastifyReply, error: AppError) =>
  send(reply, error.statusCode, { detail: error.detail, code: error.code }, { ...error.headers });

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (error instanceof AppError) return sendAppError(reply, error);
      if (error instanceof ValidationFailed) {
        return send(reply, 422, { detail: error.issues, code: 'VALIDATION_FAILED' });
      }
      if (error.validation) {
        const issues = toValidationIssues(error.validation, error.validationContext ?? 'body');
        return send(reply, 422, { detail: issues, code: 'VALIDATION_FAILED' });
      }
      const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
      if (known) return send(reply, known[0], { detail: known[2], code: known[1] });
      if (error instanceof SyntaxError || (error.statusCode === 400 && error.code === undefined)) {
        return send(reply, 400, { detail: 'Request body is not valid JSON', code: 'BAD_REQUEST' });
      }
      if (error instanceof StoreUnavailableError || isDatabaseUnavailable(error)) {
        request.log.error({ err: error }, 'backing service unavailable');
        const what = error instanceof StoreUnavailableError ? 'state store' : 'database';
        return sendAppError(reply, serviceUnavailable(what));
      }
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        // Any other client error Fastify raises (e.g. a malformed header): keep its status, not its text.
        return send(reply, error.statusCode, { detail: 'Bad request', code: 'BAD_REQUEST' });
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendAppError(reply, internalError());
    });

    app.setNotFoundHandler((_request, reply) => sendAppError(reply, notFound('Not Found')));
  },
  { name: 'errors' },
);

function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string') {
    // SQLSTATE classes 08 (connection exception), 57P01-03 (shutdown), 53300 (too many connections),
    // and Node socket errors.
    return /^(08|57P0[123]|53300|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND)/.test(e.code);
  }
  return (
    typeof e?.message === 'string' &&
    /(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error)/.test(
      e.message,
    )
  );
}
