// Every route the running app serves, with the schemas of its parameters and bodies, read from the
// app itself: the OpenAPI document gives the schemas, and the router's own table (printRoutes)
// proves that nothing is served that the document leaves out. A route added tomorrow is fuzzed
// tomorrow, without editing this file.
import type { FastifyInstance } from 'fastify';

export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

export interface FuzzRoute {
  method: string;
  /** OpenAPI style: `/api/v1/bots/{id}`; a router wildcard is `{*}`. */
  path: string;
  pathParams: Parameter[];
  query: Parameter[];
  /** Request body schema by content type; empty when the route takes no body. */
  bodies: Record<string, JsonSchema>;
  /** False for routes the router serves but the OpenAPI document hides (the docs UI, `/`). */
  documented: boolean;
}

interface Operation {
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/**
 * Method and path of every node of `printRoutes({ commonPrefix: false })`: each line is a tree
 * node whose label continues its parent's path; methods are in parentheses.
 */
export function parseRouteTree(text: string): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^([│\s]*)[└├]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = Math.floor((match[1] as string).length / 4);
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + (match[2] as string);
    stack[depth] = path;
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (method !== '') routes.push({ method, path });
    }
  }
  return routes;
}

/** `/bots/:id` and `/docs/*` in the router's spelling → `/bots/{id}` and `/docs/{*}`. */
function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}');
}

/**
 * The routes to fuzz: every documented operation, plus every router entry the document hides.
 * HEAD is not listed separately: the fuzzer sends it to GET routes.
 */
export async function discoverRoutes(app: FastifyInstance): Promise<FuzzRoute[]> {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
  const doc = res.json() as { paths: Record<string, Record<string, Operation>> };
  const routes: FuzzRoute[] = [];
  const documented = new Set<string>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      const param = (where: string) =>
        parameters
          .filter((p) => p.in === where)
          .map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true }));
      const bodies: Record<string, JsonSchema> = {};
      for (const [type, content] of Object.entries(operation.requestBody?.content ?? {})) {
        bodies[type] = content.schema ?? {};
      }
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: param('path'),
        query: param('query'),
        bodies,
        documented: true,
      });
      documented.add(`${method.toUpperCase()} ${path}`);
    }
  }
  for (const { method, path } of parseRouteTree(app.printRoutes({ commonPrefix: false }))) {
    const openApiPath = toOpenApiPath(path);
    if (method === 'HEAD' || documented.has(`${method} ${openApiPath}`)) continue;
    documented.add(`${method} ${openApiPath}`);
    const names = [...openApiPath.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    routes.push({
      method,
      path: openApiPath,
      pathParams: names.map((name) => ({ name, schema: { type: 'string' }, required: true })),
      query: [],
      bodies: {},
      documented: false,
    });
  }
  return routes;
}

/** The request path for `route` with its parameters filled in (values are already URL-encoded). */
export function fillPath(route: FuzzRoute, values: Record<string, string>): string {
  return route.path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? '');
}
