// /openapi.json is a document a client author can work from (issue 16): every operation says what
// it does and every status it can answer with, each with its codes and an example body. The walk
// covers every route the app registers, so a route added later without a summary, or whose
// declarations imply a refusal the document does not list, fails here.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PLATFORM_ERRORS } from '../../src/platform/errors.ts';
import { ListQuery } from '../../src/platform/pagination.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

interface Example {
  value: { detail: unknown; code: string };
}
interface Response {
  description?: string;
  content?: Record<string, { schema?: Record<string, unknown>; examples?: Record<string, Example> }>;
}
interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: { default?: unknown };
}
interface Operation {
  summary?: string;
  description?: string;
  security?: Record<string, unknown>[];
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, Response>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const FEATURES = join(import.meta.dirname, '..', '..', 'src', 'features');

/** Every catalogued code with its status: the platform's and each feature's `*.errors.ts`. */
async function catalogue(): Promise<Map<string, number>> {
  const statuses = new Map<string, number>();
  const add = (entries: object) => {
    for (const entry of Object.values(entries) as { code: string; status: number }[]) {
      statuses.set(entry.code, entry.status);
    }
  };
  add(PLATFORM_ERRORS);
  for (const feature of readdirSync(FEATURES)) {
    for (const file of readdirSync(join(FEATURES, feature)).filter((name) => name.endsWith('.errors.ts'))) {
      const module = (await import(pathToFileURL(join(FEATURES, feature, file)).href)) as Record<
        string,
        object
      >;
      for (const [name, entries] of Object.entries(module)) if (name.endsWith('_ERRORS')) add(entries);
    }
  }
  return statuses;
}

function operations(document: Document): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  );
}

/** The codes a response documents, from its examples. */
function exampleCodes(response: Response | undefined): string[] {
  const media = response?.content?.['application/json'];
  return Object.values(media?.examples ?? {}).map((example) => example.value.code);
}

const bearer = (operation: Operation): boolean =>
  (operation.security ?? []).some((requirement) => 'bearerAuth' in requirement);

const hasInput = (operation: Operation): boolean =>
  operation.requestBody !== undefined || (operation.parameters ?? []).length > 0;

describe('the OpenAPI document', () => {
  let t: TestApp;
  let document: Document;
  let all: [string, Operation][];
  before(async () => {
    t = await buildTestApp();
    // A route added the way a future feature would: it declares a token and a query, nothing else.
    await t.app.register(async (scope) => {
      scope.withTypeProvider<TypeBoxTypeProvider>().get(
        '/probe-of-the-document',
        {
          schema: {
            tags: ['test'],
            summary: 'A route of this test',
            description: 'Declares a bearer token and a list query; the document derives the rest.',
            security: [{ bearerAuth: [] }],
            querystring: ListQuery,
          },
        },
        async () => ({}),
      );
    });
    await t.app.ready();
    const res = await t.app.inject({ url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    document = res.json() as Document;
    all = operations(document);
  });
  after(() => t.close());

  test('lists every operation of the API', () => {
    assert.ok(all.length >= 35, `${all.length} operations`);
    assert.ok(all.some(([name]) => name === 'GET /api/v1/bots'));
  });

  test('every operation has a summary and a description', () => {
    const missing = all
      .filter(([, operation]) => !operation.summary?.trim() || !operation.description?.trim())
      .map(([name]) => name);
    assert.deepEqual(missing, []);
  });

  test('every request body shows an example of what to send, in each content type it takes', () => {
    const missing: string[] = [];
    for (const [name, operation] of all) {
      const body = operation.requestBody as
        | {
            content: Record<string, { example?: unknown; examples?: object; schema?: { example?: unknown } }>;
          }
        | undefined;
      for (const [type, media] of Object.entries(body?.content ?? {})) {
        if (
          media.examples === undefined &&
          media.example === undefined &&
          media.schema?.example === undefined
        )
          missing.push(`${name} ${type}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test('every operation that takes a bearer token documents 401 NOT_AUTHENTICATED and 400 INACTIVE_USER', () => {
    const authenticated = all.filter(([, operation]) => bearer(operation));
    assert.ok(authenticated.length >= 27, `${authenticated.length} authenticated operations`);
    for (const [name, operation] of authenticated) {
      assert.ok(exampleCodes(operation.responses['401']).includes('NOT_AUTHENTICATED'), `${name}: 401`);
      assert.ok(exampleCodes(operation.responses['400']).includes('INACTIVE_USER'), `${name}: 400`);
      assert.ok(exampleCodes(operation.responses['429']).includes('USER_THROTTLED'), `${name}: 429`);
    }
  });

  test('every operation with a body, path parameters or a query string documents its 422 body', () => {
    for (const [name, operation] of all.filter(([, operation]) => hasInput(operation))) {
      const response = operation.responses['422'];
      assert.deepEqual(exampleCodes(response), ['VALIDATION_FAILED'], `${name}: 422`);
      const media = response?.content?.['application/json'];
      const detail = (media?.schema?.properties as Record<string, { type?: string }> | undefined)?.detail;
      assert.equal(detail?.type, 'array', `${name}: the 422 body lists issues`);
      const [example] = Object.values(media?.examples ?? {});
      const [issue] = (example?.value.detail ?? []) as { loc: unknown[]; msg: string; type: string }[];
      assert.ok(Array.isArray(issue?.loc) && typeof issue?.msg === 'string', `${name}: a 422 example issue`);
    }
  });

  test('every operation with a JSON body documents 413 and 415', () => {
    for (const [name, operation] of all.filter(([, operation]) => operation.requestBody !== undefined)) {
      assert.deepEqual(exampleCodes(operation.responses['413']), ['PAYLOAD_TOO_LARGE'], name);
      assert.deepEqual(exampleCodes(operation.responses['415']), ['UNSUPPORTED_MEDIA_TYPE'], name);
    }
  });

  test('the routes of a role document its 403 FORBIDDEN, and every route that is not a probe IP_BLOCKED', () => {
    const probes = ['GET /health', 'GET /ready', 'GET /metrics'];
    for (const [name, operation] of all) {
      const codes = exampleCodes(operation.responses['403']);
      if (/ \/api\/v1\/(admin|ops)\/|^\w+ \/api\/v1\/users(\/\{id\})?$/.test(name)) {
        assert.ok(codes.includes('FORBIDDEN'), `${name}: 403 FORBIDDEN`);
      }
      if (!probes.includes(name)) assert.ok(codes.includes('IP_BLOCKED'), `${name}: 403 IP_BLOCKED`);
      else assert.ok(!codes.includes('IP_BLOCKED'), `${name} is never blocked`);
    }
  });

  test('a query parameter with a default is optional', () => {
    const limits = all.flatMap(([name, operation]) =>
      (operation.parameters ?? []).filter((p) => p.in === 'query').map((p): [string, Parameter] => [name, p]),
    );
    assert.ok(limits.some(([, parameter]) => parameter.name === 'limit' && parameter.schema?.default === 50));
    for (const [name, parameter] of limits) {
      if (parameter.schema?.default !== undefined) {
        assert.equal(parameter.required, false, `${name}: ${parameter.name} has a default`);
      }
    }
  });

  test('every refusal documented has a description and examples whose codes are catalogued with that status', async () => {
    const statuses = await catalogue();
    for (const [name, operation] of all) {
      assert.ok(operation.responses['503'], `${name}: 503`);
      for (const [status, response] of Object.entries(operation.responses)) {
        assert.ok(
          response.description?.trim() && response.description !== 'Default Response',
          `${name} ${status}`,
        );
        if (Number(status) < 400) continue;
        const codes = exampleCodes(response);
        assert.ok(codes.length > 0, `${name} ${status}: an example`);
        for (const code of codes)
          assert.equal(statuses.get(code), Number(status), `${name} ${status}: ${code}`);
        const schema = response.content?.['application/json']?.schema;
        const documented = (schema?.properties as Record<string, { enum?: string[] }> | undefined)?.code
          ?.enum;
        if (documented !== undefined)
          assert.deepEqual([...documented].sort(), [...codes].sort(), `${name} ${status}`);
      }
    }
  });

  test('a new route gets the refusals its declarations imply without listing any', () => {
    const operation = document.paths['/probe-of-the-document']?.get;
    assert.ok(operation);
    assert.deepEqual(Object.keys(operation.responses).sort(), [
      '200',
      '400',
      '401',
      '403',
      '422',
      '429',
      '503',
    ]);
    const limit = operation.parameters?.find((p) => p.name === 'limit');
    assert.equal(limit?.required, false);
  });
});
