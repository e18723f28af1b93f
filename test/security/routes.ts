// The attacker's view of the API, from the app itself: every route (test/fuzz/routes.ts), which of
// them need a token, and a minimal valid body for each, so that a probe gets past validation to
// the check it is aimed at.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { FuzzRoute, JsonSchema } from '../fuzz/routes.ts';
import { discoverRoutes, fillPath } from '../fuzz/routes.ts';

export type { FuzzRoute, JsonSchema };
export { discoverRoutes };

/** A value valid under `schema` for the property `name`: the first enum value, the minimum… */
export function minimalValue(schema: JsonSchema, name: string): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(branches) && branches[0]) return minimalValue(branches[0], name);
  switch (schema.type) {
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return schema.items ? [minimalValue(schema.items as JsonSchema, name)] : [];
    case 'object':
      return minimalBody(schema);
    default:
      return minimalString(schema, name);
  }
}

function minimalString(schema: JsonSchema, name: string): string {
  if (schema.format === 'uuid' || (typeof schema.pattern === 'string' && schema.pattern.includes('{12}'))) {
    return randomUUID();
  }
  if (schema.format === 'date-time') return new Date().toISOString();
  if (/email|username/.test(name)) return `probe-${randomUUID().slice(0, 8)}@example.test`;
  if (/password/.test(name)) return `Qz-probe-${randomUUID().slice(0, 6)}!7`;
  if (name === 'api_url') return 'https://93.184.215.14/health';
  if (name === 'api_token') return 'probe-token-0123456789';
  return 'probe';
}

/** The required properties (at least one, when the schema asks for minProperties) with minimal values. */
export function minimalBody(schema: JsonSchema): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = (schema.required ?? []) as string[];
  const names =
    required.length > 0 || schema.minProperties === undefined
      ? required
      : Object.keys(properties).slice(0, 1);
  return Object.fromEntries(names.map((n) => [n, minimalValue(properties[n] ?? {}, n)]));
}

/** The URL of `route` with every path parameter set to `value` (or a random uuid). */
export function urlOf(route: FuzzRoute, value?: string): string {
  return fillPath(
    route,
    Object.fromEntries(
      route.pathParams.map((p) => [
        p.name,
        encodeURIComponent(value ?? (p.name === 'ip' ? '192.0.2.1' : randomUUID())),
      ]),
    ),
  );
}

/** The routes that answer 401 to a request without a token: the authenticated ones. */
export async function authenticatedRoutes(app: FastifyInstance, routes: FuzzRoute[]): Promise<FuzzRoute[]> {
  const result: FuzzRoute[] = [];
  for (const route of routes) {
    const res = await app.inject({
      method: route.method as 'GET',
      url: urlOf(route),
      remoteAddress: '198.51.100.9',
    });
    if (res.statusCode === 401) result.push(route);
  }
  return result;
}

/** The JSON body schema of a route, if it takes one. */
export const jsonBodyOf = (route: FuzzRoute): JsonSchema | undefined => route.bodies['application/json'];
