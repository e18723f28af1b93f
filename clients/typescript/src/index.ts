// The typed TradeWise client: openapi-fetch over the `paths` that openapi-typescript generates from
// the service's /openapi.json (src/schema.ts, `npm run client:generate`), a bearer token sent with
// every request once set, and `unwrap`, which gives the data of a success or throws the API's error
// body ({detail, code}, or a 422's list of issues) as a TradeWiseApiError.
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema.ts';

export type { components, operations, paths } from './schema.ts';

/** One entry of a 422's `detail`: where (`loc`, e.g. `["body", "api_url"]`), what, and a type. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** An answer of 400 or more, with the API's error body read into its parts. */
export class TradeWiseApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The error code (`VALIDATION_FAILED`, `NOT_AUTHENTICATED`, …; docs/errors.md lists them). */
  readonly code: string | undefined;
  /** The message: the body's `detail` when it is a string, else the issues' messages joined. */
  readonly detail: string;
  /** A 422's issues; empty for every other error. */
  readonly issues: readonly ValidationIssue[];
  /** The response's X-Request-ID, to quote when asking the operators about this request. */
  readonly requestId: string | undefined;
  /** Seconds to wait before trying again (429, a blocked address's 403, 503), when the answer says. */
  readonly retryAfterSeconds: number | undefined;

  constructor(response: Response, body: unknown) {
    const fields = isRecord(body) ? body : {};
    const issues = Array.isArray(fields.detail) ? fields.detail.filter(isValidationIssue) : [];
    const detail =
      typeof fields.detail === 'string'
        ? fields.detail
        : issues.length > 0
          ? issues.map((issue) => `${issue.loc.join('.')}: ${issue.msg}`).join('; ')
          : // Not the API's body (a proxy's page, an empty answer): the status line says what it can.
            `${response.status} ${response.statusText}`.trim();
    super(`${response.status} ${typeof fields.code === 'string' ? `${fields.code}: ` : ''}${detail}`);
    this.name = 'TradeWiseApiError';
    this.status = response.status;
    this.code = typeof fields.code === 'string' ? fields.code : undefined;
    this.detail = detail;
    this.issues = issues;
    this.requestId = response.headers.get('x-request-id') ?? undefined;
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
    this.retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValidationIssue(value: unknown): value is ValidationIssue {
  return (
    isRecord(value) &&
    Array.isArray(value.loc) &&
    value.loc.every((part) => typeof part === 'string' || typeof part === 'number') &&
    typeof value.msg === 'string' &&
    typeof value.type === 'string'
  );
}

/**
 * The data of a successful call (`undefined` for a 204), or a TradeWiseApiError for any other.
 * `await unwrap(client.GET('/api/v1/bots', { params: { query: { limit: 10 } } }))`
 */
export async function unwrap<Data>(
  call: Promise<{ data?: Data; error?: unknown; response: Response }>,
): Promise<Data> {
  const { data, error, response } = await call;
  if (!response.ok) throw new TradeWiseApiError(response, error);
  return data as Data;
}

export interface TradeWiseClientOptions {
  /** Where the service listens, without /api/v1: `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** An access token (or an API key, `tw_…`) to send from the first request on. */
  accessToken?: string;
  /** Another fetch (a proxy agent, a test double); the global one otherwise. */
  fetch?: typeof globalThis.fetch;
}

export interface TradeWiseClient extends Client<paths> {
  /** The bearer token sent with every request from now on; `undefined` sends none. */
  setAccessToken(token: string | undefined): void;
}

export function createTradeWiseClient(options: TradeWiseClientOptions): TradeWiseClient {
  let accessToken = options.accessToken;
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  client.use({
    onRequest({ request }) {
      if (accessToken !== undefined) request.headers.set('Authorization', `Bearer ${accessToken}`);
      return request;
    },
  });
  return Object.assign(client, {
    setAccessToken(token: string | undefined) {
      accessToken = token;
    },
  });
}
