// One error type for the whole service and one handler that renders the contract's shape:
// {"detail": "...", "code": "UPPER_SNAKE"}, with FastAPI's 422 list for validation failures.
// 5xx details never leave the process: the client gets a fixed message and the request id.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { StoreUnavailableError } from './store/types.ts';
import type { ValidationIssue } from './validation.ts';
import { toValidationIssues } from './validation.ts';

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

/** Raised for input that fails a rule beyond the schema; rendered like a schema failure. */
export class ValidationFailed extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super('validation failed');
    this.name = 'ValidationFailed';
  }
}

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

// Fastify's own client errors, mapped to stable codes and messages of ours.
const FASTIFY_CLIENT_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'Request body too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST', 'Invalid Content-Length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BAD_REQUEST', 'Request body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'BAD_REQUEST', 'Request body is not valid JSON'],
  FST_ERR_BAD_URL: [400, 'BAD_REQUEST', 'Malformed URL'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'BAD_REQUEST', 'Bad request'],
};

function send(reply: FastifyReply, status: number, body: object, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send(body);
}

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (error instanceof AppError) {
        return send(
          reply,
          error.statusCode,
          { detail: error.detail, code: error.code },
          { ...error.headers },
        );
      }
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
        const unavailable = serviceUnavailable(what);
        return send(
          reply,
          503,
          { detail: unavailable.detail, code: unavailable.code },
          { ...unavailable.headers },
        );
      }
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        // Any other client error Fastify raises (e.g. a malformed header): keep its status, not its text.
        return send(reply, error.statusCode, { detail: 'Bad request', code: 'BAD_REQUEST' });
      }
      request.log.error({ err: error }, 'unhandled error');
      return send(reply, 500, { detail: 'Internal server error', code: 'INTERNAL_ERROR' });
    });

    app.setNotFoundHandler((_request, reply) => send(reply, 404, { detail: 'Not Found', code: 'NOT_FOUND' }));
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
