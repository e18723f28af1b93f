// What every answer must be, whatever was asked: never a 5xx; a 4xx is JSON in the contract's
// error shape; nothing of another tenant, no secret, no stack trace or SQL; a forged token never
// gets in; a role never gets more than it has.
import type { LightMyRequestResponse } from 'fastify';
import type { IdentityName } from './identities.ts';
import { isForged, tenantOf } from './identities.ts';
import type { FuzzRequest } from './requests.ts';
import type { World } from './world.ts';

/** What the app answered to each route when probed without a token, and as a plain user / admin. */
export interface RouteGuards {
  needsToken: boolean;
  needsAdmin: boolean;
  needsOperator: boolean;
}

const CODE = /^[A-Z][A-Z0-9_]*$/;
// Methods whose bodies Fastify reads (DELETE's too when it has a length, as every generated one has).
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// Traces of internals that must never reach a client (CONTRACT: no stack traces, SQL or secrets).
const INTERNALS = [
  /\bat [\w.<>]+ \(.*:\d+:\d+\)/,
  /node_modules/,
  /syntax error at or near/i,
  /violates (foreign key|unique|check|not-null) constraint/i,
  /relation "[a-z_]+"/,
  /\$2[aby]\$\d\d\$/,
  /-----BEGIN/,
];

function errorShapeProblems(res: LightMyRequestResponse): string[] {
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) return [`4xx with content-type "${type}"`];
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return ['4xx body is not JSON'];
  }
  const { detail, code } = (body ?? {}) as { detail?: unknown; code?: unknown };
  const problems: string[] = [];
  if (typeof code !== 'string' || !CODE.test(code)) problems.push(`4xx without an UPPER_SNAKE code`);
  if (res.statusCode === 422 && code === 'VALIDATION_FAILED') {
    const ok =
      Array.isArray(detail) &&
      detail.length > 0 &&
      detail.every((d) => Array.isArray(d?.loc) && typeof d?.msg === 'string' && typeof d?.type === 'string');
    if (!ok) problems.push('422 detail is not a list of {loc, msg, type}');
  } else if (typeof detail !== 'string') {
    problems.push('4xx detail is not a string');
  }
  return problems;
}

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

// Each part is decoded on its own: one malformed escape (a fuzzed header) must not hide that the
// form body carried someone's e-mail as `name%40example.test`.
const sentText = (request: FuzzRequest): string => {
  const body =
    request.payloadHex === undefined ? '' : Buffer.from(request.payloadHex, 'hex').toString('utf8');
  const parts = [request.url, request.payload ?? '', body, ...Object.values(request.headers).map(String)];
  return [...parts, ...parts.map(decoded)].join('\n');
};

// A tenant's own data repeats what its members sent earlier: audit and security-event listings
// (an SSRF refusal names the bot id the caller aimed at), and any record a member stored with the
// other tenant's marker in it (an admin may well create "victim-<marker>@…" as a user). Strings a
// tenant has itself sent are its own knowledge, not a leak; anything else of the other tenant is.

export type Oracle = (request: FuzzRequest, res: LightMyRequestResponse, guards?: RouteGuards) => string[];

export function createOracle(world: World): Oracle {
  const sentBefore = { A: new Set<string>(), B: new Set<string>() };

  /** Strings `identity` must never see, minus what it sent (an echo is not a leak). */
  function forbiddenFor(identity: IdentityName, request: FuzzRequest, sent: string): string[] {
    const tenant = tenantOf(identity);
    const others =
      tenant === 'A'
        ? [world.B]
        : tenant === 'B'
          ? [world.A]
          : identity === 'operator'
            ? []
            : [world.A, world.B];
    // On the credential routes the caller is whoever's credentials it sent, whatever its bearer
    // token says: logging in as a member of B (refresh tokens name their tenant and session) is no leak.
    const credentialOwners = request.url.startsWith('/api/v1/auth/')
      ? others.filter((o) => o.emails.some((e) => sent.includes(e)))
      : [];
    const known = tenant !== null ? sentBefore[tenant] : new Set<string>();
    const all = [
      ...others.filter((o) => !credentialOwners.includes(o)).flatMap((o) => o.private),
      ...world.A.secrets,
      ...world.B.secrets,
    ];
    return all.filter((s) => !sent.includes(s) && !known.has(s));
  }

  return (request, res, guards) => {
    const sent = sentText(request);
    const tenant = tenantOf(request.identity);
    if (tenant !== null) {
      const other = tenant === 'A' ? world.B : world.A;
      for (const id of other.private) if (sent.includes(id)) sentBefore[tenant].add(id);
    }
    const problems = checkShape(request, res, guards);
    const seen = `${JSON.stringify(res.headers)}\n${res.body}`;
    for (const s of forbiddenFor(request.identity, request, sent)) {
      if (seen.includes(s)) problems.push(`answer to ${request.identity} contains "${s}"`);
    }
    return problems;
  };
}

function checkShape(
  request: FuzzRequest,
  res: LightMyRequestResponse,
  guards: RouteGuards | undefined,
): string[] {
  const problems: string[] = [];
  const status = res.statusCode;
  if (status >= 500) problems.push(`answered ${status}: ${res.body.slice(0, 300)}`);
  if (status >= 400 && request.method !== 'HEAD') problems.push(...errorShapeProblems(res));
  const requestId = res.headers['x-request-id'];
  if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId))
    problems.push(`bad X-Request-ID ${requestId}`);
  if (String(res.headers['content-type'] ?? '').startsWith('application/json')) {
    for (const pattern of INTERNALS)
      if (pattern.test(res.body)) problems.push(`answer shows internals: ${pattern}`);
  }
  // A body that is not UTF-8 is refused whole (issue 14, item 11), never read with U+FFFD in it.
  if (request.payloadHex !== undefined && status < 400 && BODY_METHODS.has(request.method)) {
    problems.push(`a body that is not UTF-8 was accepted (${status})`);
  }
  const granted = status < 400;
  if (guards && granted && request.method !== 'OPTIONS') {
    if (guards.needsToken && (isForged(request.identity) || request.identity === 'none')) {
      problems.push(`${request.identity} was let in (${status})`);
    }
    const roles = memberRoles(request.identity);
    if (guards.needsAdmin && !roles.includes('admin'))
      problems.push(`${request.identity} passed an admin guard`);
    if (guards.needsOperator && !roles.includes('operator'))
      problems.push(`${request.identity} passed an operator guard`);
  }
  return problems;
}

function memberRoles(identity: IdentityName): string[] {
  if (identity.endsWith('.admin')) return ['admin', 'user'];
  if (identity.endsWith('.user')) return ['user'];
  if (identity === 'operator') return ['operator', 'user'];
  return [];
}
