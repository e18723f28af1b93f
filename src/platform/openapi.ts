// The OpenAPI 3 document, generated from the route schemas, and the interactive reference.
//
// What every route can be refused with is derived here, once, from what the route declares, so
// that no route file repeats it and a new route is documented like the others (issue 16):
//
// - every route: 503 (a backing service unreachable, or the instance shutting down);
// - every route that is not a probe (`config.probe`): 403 IP_BLOCKED;
// - a route limit (`config.rateLimit`): 429 RATE_LIMITED;
// - a bearer token (the authenticated context, or `security` declared by a public route that
//   authenticates by itself): 401 NOT_AUTHENTICATED, 400 INACTIVE_USER, 429 USER_THROTTLED;
//   another security scheme (`/metrics`): 401 NOT_AUTHENTICATED;
// - a role guard (`requireRole`, in `onRequest` or `preHandler`): 403 FORBIDDEN;
// - a body, path parameters or a query string: 422 VALIDATION_FAILED, with the validation body;
// - a method that carries a body (POST, PUT, PATCH): 400 (unreadable body), 413 and 415.
//
// Route-specific refusals (404, 409, ...) stay in the route files, written with `errorResponse`
// from the catalogue's own factories, so the documented code and detail are the ones answered.
// Each documented refusal lists its codes (an `enum` on `code`) and an example per code.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { AppError } from './errors.ts';
import {
  ErrorBody,
  forbidden,
  notAuthenticated,
  PLATFORM_ERRORS,
  serviceUnavailable,
  ValidationErrorBody,
} from './errors.ts';
import { DOCS_CONTENT_SECURITY_POLICY } from './hardening/security-headers.ts';
import { requiredRoleOf } from './request-auth.ts';

type JsonSchema = Record<string, unknown>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A page of the API reference (GET /docs…, /openapi.json), which this plugin marks: static and
     * credential-free, so no IP block or limit refuses it and a blocked client can still read
     * what its 403 means (features/protection/request-gate.ts).
     */
    reference?: boolean;
  }
}

const DOCS_PREFIX = '/docs';

/** The title of /docs and of the document. */
export const API_TITLE = 'TradeWise API';

/** One documented refusal: what a client receives, and when. */
interface Refusal {
  status: number;
  code: string;
  body: { detail: unknown; code: string };
  when: string;
}

/** The refusals of features the platform cannot import; app.ts passes the features' own errors. */
export interface OpenapiOptions {
  /** A valid token of a deactivated account (400 INACTIVE_USER). */
  inactiveUser: AppError;
  /** The client's address is blocked (403 IP_BLOCKED). */
  ipBlocked: AppError;
  /** A route limit per client address or tenant (429 RATE_LIMITED). */
  rateLimited: AppError;
  /** The user's own usage limit (429 USER_THROTTLED). */
  userThrottled: AppError;
}

const refusal = (error: AppError, when: string): Refusal => ({
  status: error.statusCode,
  code: error.code,
  body: { detail: error.detail, code: error.code },
  when,
});

/**
 * A route's own refusal for its `response` map: `404: errorResponse('No such bot in your tenant',
 * botNotFound())`. Built from the catalogue's factories, so code and detail are the real ones.
 */
export function errorResponse(when: string, ...errors: AppError[]): JsonSchema {
  const codes = [...new Set(errors.map((error) => error.code))];
  const schema: JsonSchema = {
    description: when,
    type: 'object',
    required: ['detail', 'code'],
    properties: { detail: { type: 'string' }, code: { type: 'string', enum: codes } },
    examples: errors.map((error) => ({ detail: error.detail, code: error.code })),
  };
  ERROR_RESPONSES.add(schema);
  return schema;
}

/** The schemas errorResponse built: the error body, whose `code` the document lists in full. */
const ERROR_RESPONSES = new WeakSet<object>();

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const SUCCESS_DESCRIPTIONS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '204': 'No content',
};

const hasSchema = (value: unknown): boolean => typeof value === 'object' && value !== null;

function hooksOf(route: RouteOptions): unknown[] {
  return [route.onRequest, route.preHandler].flatMap((hook) =>
    hook === undefined ? [] : Array.isArray(hook) ? hook : [hook],
  );
}

function securitySchemesOf(schema: JsonSchema): string[] {
  const security = schema.security as Record<string, unknown>[] | undefined;
  return (security ?? []).flatMap((requirement) => Object.keys(requirement));
}

/** A realistic 422 for this route: the first rule its input has that a client can break. */
function validationExample(schema: JsonSchema): { detail: unknown; code: string } {
  const issue = ((): { loc: (string | number)[]; msg: string; type: string } => {
    const body = schema.body as JsonSchema | undefined;
    const required = body?.required as string[] | undefined;
    if (required?.[0] !== undefined)
      return { loc: ['body', required[0]], msg: 'Field required', type: 'missing' };
    const params = (schema.params as JsonSchema | undefined)?.properties as
      | Record<string, JsonSchema>
      | undefined;
    const [name, param] = Object.entries(params ?? {})[0] ?? [];
    if (name !== undefined && typeof param?.format === 'string') {
      return {
        loc: ['path', name],
        msg: `Input should be a valid ${param.format}`,
        type: `${param.format}_format`,
      };
    }
    if (name !== undefined) return { loc: ['path', name], msg: 'Invalid value', type: 'value_error' };
    if (body !== undefined)
      return { loc: ['body'], msg: 'Input should be a valid object', type: 'dict_type' };
    const query = (schema.querystring as JsonSchema | undefined)?.properties as
      | Record<string, JsonSchema>
      | undefined;
    const limit = query?.limit?.maximum;
    if (typeof limit === 'number') {
      return {
        loc: ['query', 'limit'],
        msg: `Input should be less than or equal to ${limit}`,
        type: 'less_than_equal',
      };
    }
    const [field] = Object.keys(query ?? {});
    return { loc: ['query', field ?? 'q'], msg: 'Invalid value', type: 'value_error' };
  })();
  return { detail: [issue], code: PLATFORM_ERRORS.VALIDATION_FAILED.code };
}

/** What the route's declarations say it can be refused with, beyond its own responses. */
function standardRefusals(route: RouteOptions, schema: JsonSchema, options: OpenapiOptions): Refusal[] {
  const config = (route.config ?? {}) as { authenticated?: boolean; probe?: boolean; rateLimit?: unknown[] };
  const schemes = securitySchemesOf(schema);
  const bearer = config.authenticated === true || schemes.includes('bearerAuth');
  const roles = hooksOf(route)
    .map(requiredRoleOf)
    .filter((role) => role !== undefined);
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const refusals: Refusal[] = [];

  if (bearer || schemes.length > 0) {
    refusals.push(
      refusal(
        notAuthenticated(),
        bearer
          ? 'The access token is missing, malformed, expired, forged or revoked (one answer whatever the reason).'
          : 'The token is missing or wrong.',
      ),
    );
  }
  if (bearer) refusals.push(refusal(options.inactiveUser, 'The account has been deactivated.'));
  if (roles.length > 0) {
    refusals.push(
      refusal(forbidden('Not enough permissions'), `Only a user with the role ${roles.join(', ')}.`),
    );
  }
  if (config.probe !== true) {
    refusals.push(
      refusal(
        options.ipBlocked,
        "The client's address is blocked (brute force, or an operator); see Retry-After.",
      ),
    );
  }
  if ((config.rateLimit ?? []).length > 0) {
    refusals.push(
      refusal(options.rateLimited, "The route's rate limit is exceeded; see Retry-After and RateLimit."),
    );
  }
  if (bearer) {
    refusals.push(refusal(options.userThrottled, 'The user made unusually many calls; see Retry-After.'));
  }
  if (methods.some((method) => BODY_METHODS.has(method))) {
    refusals.push(
      {
        status: 400,
        code: PLATFORM_ERRORS.BAD_REQUEST.code,
        body: { detail: 'Request body is not valid JSON', code: PLATFORM_ERRORS.BAD_REQUEST.code },
        when: 'The body cannot be read (not JSON, not UTF-8, nested deeper than 20 levels).',
      },
      {
        status: 413,
        code: PLATFORM_ERRORS.PAYLOAD_TOO_LARGE.code,
        body: { detail: 'Request body too large', code: PLATFORM_ERRORS.PAYLOAD_TOO_LARGE.code },
        when: 'The body is over BODY_LIMIT_BYTES.',
      },
      {
        status: 415,
        code: PLATFORM_ERRORS.UNSUPPORTED_MEDIA_TYPE.code,
        body: { detail: 'Unsupported media type', code: PLATFORM_ERRORS.UNSUPPORTED_MEDIA_TYPE.code },
        when: 'A content type the operation does not take.',
      },
    );
  }
  if (hasSchema(schema.body) || hasSchema(schema.params) || hasSchema(schema.querystring)) {
    refusals.push({
      status: 422,
      code: PLATFORM_ERRORS.VALIDATION_FAILED.code,
      body: validationExample(schema),
      when: 'The input fails its schema or a rule beyond it: `detail` lists each issue with `loc`, `msg` and `type`.',
    });
  }
  refusals.push(
    refusal(
      serviceUnavailable('database'),
      'The database or the state store is unreachable, or the instance is shutting down; see Retry-After.',
    ),
  );
  return refusals;
}

/**
 * The refusals a route declared itself, read back from their examples: `errorResponse`'s, or
 * those of a body of its own (the 503 of /ready), each with its `code`.
 */
function declaredRefusals(status: string, response: JsonSchema): Refusal[] {
  const examples = (response.examples ?? []) as { detail: unknown; code: string }[];
  const when = typeof response.description === 'string' ? response.description : '';
  return examples.map((body) => ({ status: Number(status), code: body.code, body, when }));
}

/**
 * One status's response: the route's schema (or the error body), every code with when it is
 * answered, an example each. A route's own body (the 503 of /ready) is kept as it is.
 */
function refusalResponse(declared: JsonSchema | undefined, refusals: Refusal[]): JsonSchema {
  const codes = [...new Set(refusals.map((item) => item.code))];
  const custom = declared !== undefined && !ERROR_RESPONSES.has(declared);
  const base: JsonSchema = custom
    ? { ...declared }
    : codes.length > 0 && codes.every((code) => code === PLATFORM_ERRORS.VALIDATION_FAILED.code)
      ? { ...ValidationErrorBody }
      : { ...ErrorBody, properties: { ...ErrorBody.properties, code: { type: 'string', enum: codes } } };
  delete base.examples;
  const lines = new Map<string, string[]>();
  for (const item of refusals) lines.set(item.when, [...(lines.get(item.when) ?? []), item.code]);
  const description = [...lines].map(
    ([when, whose]) => `- ${[...new Set(whose)].map((code) => `\`${code}\``).join(', ')}: ${when}`,
  );
  const examples: Record<string, { summary: string; value: unknown }> = {};
  for (const item of refusals) examples[item.code] ??= { summary: item.when, value: item.body };
  // `x-response-description` is the response's own description (the schema keeps none of it).
  delete base.description;
  return {
    ...base,
    'x-response-description': description.join('\n'),
    ...(refusals.length > 0 ? { 'x-examples': examples } : {}),
  };
}

/** A query parameter with a default may be left out: it is not required, whatever TypeBox says. */
function optionalDefaults(querystring: JsonSchema): JsonSchema {
  const properties = (querystring.properties ?? {}) as Record<string, JsonSchema>;
  const required = (querystring.required ?? []) as string[];
  return { ...querystring, required: required.filter((name) => properties[name]?.default === undefined) };
}

/** The document's view of one route: its own declarations plus what they imply. */
export function documentRoute(route: RouteOptions, schema: JsonSchema, options: OpenapiOptions): JsonSchema {
  const response = { ...((schema.response ?? {}) as Record<string, JsonSchema>) };
  const byStatus = new Map<string, Refusal[]>();
  for (const [status, declared] of Object.entries(response)) {
    if (Number(status) >= 400) byStatus.set(status, declaredRefusals(status, declared));
    else if (declared.description === undefined) {
      response[status] = { ...declared, description: SUCCESS_DESCRIPTIONS[status] ?? 'OK' };
    }
  }
  if (!Object.keys(response).some((status) => Number(status) < 400)) response['200'] = { description: 'OK' };
  for (const item of standardRefusals(route, schema, options)) {
    const status = String(item.status);
    const known = byStatus.get(status) ?? [];
    if (!known.some((other) => other.code === item.code)) byStatus.set(status, [...known, item]);
  }
  for (const [status, refusals] of [...byStatus].sort(([a], [b]) => Number(a) - Number(b))) {
    response[status] = refusalResponse(response[status], refusals);
  }
  const documented: JsonSchema = { ...schema, response };
  if (hasSchema(schema.querystring))
    documented.querystring = optionalDefaults(schema.querystring as JsonSchema);
  return documented;
}

export const openapiPlugin = fp(
  async (app: FastifyInstance, options: OpenapiOptions) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: API_TITLE,
          version: '1.0.0',
          description:
            'Multi-tenant trading-bot platform. Every error is JSON: `{"detail": "...", "code": "UPPER_SNAKE"}`, ' +
            'except a 422, whose `detail` lists the validation issues (`loc`, `msg`, `type`). Branch on `code`, ' +
            'never on `detail`. Each operation lists the statuses and codes it answers with; any request may ' +
            'also meet the transport refusals (400 BAD_REQUEST for an unreadable request, 403 HTTPS_REQUIRED ' +
            'over plain HTTP in production, 404 NOT_FOUND for no such route, 405, 408, 414, 431, 501) and, ' +
            'for a bug, 500 INTERNAL_ERROR with the request id in `X-Request-ID`. Every code: docs/errors.md.',
        },
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description: 'The access token of POST /api/v1/auth/token.',
            },
            metricsToken: {
              type: 'http',
              scheme: 'bearer',
              description: 'METRICS_TOKEN; when it is unset, /metrics answers loopback clients only.',
            },
          },
        },
      },
      transform: ({ schema, url, route }) => ({
        schema: documentRoute(route, (schema ?? {}) as JsonSchema, options) as typeof schema,
        url,
      }),
    });
    // The reference's own CSP: scripts, styles and images from this server only, no inline code.
    app.addHook('onRoute', (route) => {
      const reads = [route.method].flat().every((method) => method === 'GET' || method === 'HEAD');
      if (reads && (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`))) {
        route.config = { ...route.config, reference: true };
      }
    });
    await app.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      staticCSP: DOCS_CONTENT_SECURITY_POLICY,
      theme: { title: `${API_TITLE} reference` },
    });
    app.get('/openapi.json', { schema: { hide: true }, config: { reference: true } }, async () =>
      app.swagger(),
    );
  },
  { name: 'openapi' },
);
