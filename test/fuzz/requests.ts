// Generated requests: for a route, valid parts (from its schemas) mixed with hostile ones — wrong
// types, missing and extra fields, prototype keys, injections, huge and unicode strings, deep
// nesting, malformed JSON, wrong content types, non-uuid ids — sent as one of the identities.
// A request is plain data, so fast-check prints it whole when a property fails.
import fc from 'fast-check';
import { withInvalidUtf8 } from './crafted-values.ts';
import {
  hostileString,
  malformedBodyText,
  POLLUTION_KEYS,
  SERVER_OWNED_FIELDS,
  withKey,
  wrongValue,
} from './hostile.ts';
import type { IdentityName } from './identities.ts';
import { IDENTITIES, tenantOf } from './identities.ts';
import type { FuzzRoute, JsonSchema, Parameter } from './routes.ts';
import { fillPath } from './routes.ts';
import type { Hints } from './schema-values.ts';
import { objectValue, validValue } from './schema-values.ts';

export interface FuzzRequest {
  route: string;
  identity: IdentityName;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** A body that no string holds (bytes that are not UTF-8), in hex; sent instead of `payload`. */
  payloadHex?: string;
  remoteAddress: string;
}

/** encodeURIComponent that turns lone surrogates (which it refuses) into U+FFFD first. */
export function encode(text: string): string {
  return encodeURIComponent(
    text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );
}

const identity = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<IdentityName>('A.admin', 'A.user', 'B.admin', 'B.user') },
  { weight: 1, arbitrary: fc.constantFrom<IdentityName>(...IDENTITIES) },
);

// Fresh client addresses (198.18.0.0/15, benchmarking range), so that no generated run reaches a
// per-IP limit or the brute-force block; loopback sometimes, for the loopback-only /metrics.
const remoteAddress = fc.oneof(
  { weight: 20, arbitrary: fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `198.18.${a}.${b}`) },
  { weight: 1, arbitrary: fc.constantFrom('127.0.0.1', '2001:db8::7', '::ffff:198.19.0.1') },
);

function pathValue(param: Parameter, hints: Hints): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: validValue(param.schema, param.name, hints).map((v) => encode(String(v))) },
    { weight: 3, arbitrary: hostileString.map((s) => encode(s.slice(0, 300))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('..', '../..', '%2e%2e', '..%2f..%2fetc', '%00', '%zz', 'a/b', '.', '%2F'),
    },
  );
}

function queryString(params: Parameter[], hints: Hints): fc.Arbitrary<string> {
  const valid = fc.tuple(
    ...params.map((p) =>
      fc.option(validValue(p.schema, p.name, hints), { nil: undefined, freq: p.required ? 8 : 2 }),
    ),
  );
  const pairs = valid.map((values) =>
    params.flatMap((p, i) =>
      values[i] === undefined ? [] : [[p.name, String(values[i])] as [string, string]],
    ),
  );
  const names = params.length > 0 ? params.map((p) => p.name) : ['limit'];
  const mutated = fc.tuple(
    pairs,
    fc.oneof(
      fc.constantFrom(
        ...names,
        ...POLLUTION_KEYS,
        '__proto__[polluted]',
        'constructor[prototype][x]',
        'extra',
      ),
      fc.string({ maxLength: 10 }),
    ),
    fc.oneof(hostileString, fc.constantFrom('-1', '0', '101', '1e400', '1.5', ' 5', 'true', '[]', '')),
    fc.boolean(),
  );
  return fc
    .oneof(
      { weight: 3, arbitrary: pairs },
      {
        weight: 2,
        arbitrary: mutated.map(([p, name, value, dup]) => [
          ...p,
          [name, value],
          ...(dup ? [[name, value]] : []),
        ]),
      },
    )
    .map((list) =>
      list.length === 0
        ? ''
        : `?${(list as Array<[string, string]>).map(([k, v]) => `${encode(k)}=${encode(v.slice(0, 9000))}`).join('&')}`,
    );
}

function mutatedObject(schema: JsonSchema, hints: Hints): fc.Arbitrary<unknown> {
  const valid = objectValue(schema, hints);
  const names = Object.keys((schema.properties ?? {}) as object);
  const required = ((schema.required ?? []) as string[]).filter((k) => names.includes(k));
  const anyKey = fc.oneof(
    fc.constantFrom(...POLLUTION_KEYS, ...SERVER_OWNED_FIELDS),
    fc.string({ maxLength: 12 }),
    ...(names.length > 0 ? [fc.constantFrom(...names)] : []),
  );
  const pollution = fc.constantFrom({ polluted: true }, { prototype: { polluted: true } }, null);
  return fc.oneof(
    fc.tuple(valid, anyKey, fc.oneof(wrongValue, pollution)).map(([v, k, x]) => withKey(v, k, x)),
    // Ids only where ids belong: an id stored as, say, a name would be the caller's own echo.
    fc
      .tuple(valid, fc.constantFrom('id', 'tenant_id', 'user_id', 'bot_id'), fc.constantFrom(...hints.ids))
      .map(([v, k, x]) => withKey(v, k, x)),
    ...(names.length > 0
      ? [fc.tuple(valid, fc.constantFrom(...names), wrongValue).map(([v, k, x]) => ({ ...v, [k]: x }))]
      : []),
    ...(required.length > 0
      ? [
          fc.tuple(valid, fc.constantFrom(...required)).map(([v, k]) => {
            const copy = { ...v };
            delete copy[k];
            return copy;
          }),
        ]
      : []),
    wrongValue,
  );
}

function formText(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return String(value);
  return new URLSearchParams(
    Object.entries(value as Record<string, unknown>).map(([k, v]): [string, string] => [
      k,
      typeof v === 'string' ? v : String(JSON.stringify(v)),
    ]),
  ).toString();
}

function body(route: FuzzRoute, hints: Hints): fc.Arbitrary<{ type?: string; text?: string; hex?: string }> {
  const types = Object.keys(route.bodies);
  const junkType = fc.constantFrom(
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/json; charset=utf-16',
    'application/x-www-form-urlencoded',
    'application/json',
  );
  if (types.length === 0) {
    return fc.oneof(
      { weight: 9, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.record({ type: junkType, text: malformedBodyText }) },
    );
  }
  const perType = types.map((type) => {
    const schema = route.bodies[type] as JsonSchema;
    const serialise = type.includes('form') ? formText : (v: unknown) => JSON.stringify(v) ?? '';
    return fc.oneof(
      { weight: 5, arbitrary: objectValue(schema, hints).map((v) => ({ type, text: serialise(v) })) },
      { weight: 4, arbitrary: mutatedObject(schema, hints).map((v) => ({ type, text: serialise(v) })) },
      { weight: 1, arbitrary: malformedBodyText.map((text) => ({ type, text })) },
      {
        weight: 1,
        arbitrary: withInvalidUtf8(objectValue(schema, hints).map(serialise)).map((hex) => ({ type, hex })),
      },
    );
  });
  return fc.oneof(
    { weight: 12, arbitrary: fc.oneof(...perType) },
    { weight: 1, arbitrary: fc.record({ type: junkType, text: fc.oneof(malformedBodyText, hostileString) }) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          'x-request-id',
          'x-forwarded-for',
          'x-real-ip',
          'forwarded',
          'origin',
          'cookie',
          'x-csrf-token',
        ),
        fc.oneof(hostileString, fc.constantFrom('127.0.0.1', 'for=127.0.0.1', 'tw_refresh=x; tw_csrf=x')),
      )
      .map(([name, value]) => ({ [name]: value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '') })),
  },
);

/** Requests for `route`; `hintsFor` gives the values a member of a tenant would aim with. */
export function requestsFor(route: FuzzRoute, hintsFor: (tenant: 'A' | 'B' | null) => Hints) {
  return identity.chain((who) => {
    const hints = hintsFor(tenantOf(who));
    const method =
      route.method === 'GET'
        ? fc.constantFrom('GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'DELETE')
        : fc.oneof(
            { weight: 19, arbitrary: fc.constant(route.method) },
            { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'PATCH', 'OPTIONS') },
          );
    const params = fc.tuple(...route.pathParams.map((p) => pathValue(p, hints)));
    return fc
      .record({
        method,
        params,
        query: queryString(route.query, hints),
        body: body(route, hints),
        headers: extraHeaders,
        remoteAddress,
      })
      .map(({ method: m, params: values, query, body: b, headers, remoteAddress: ip }): FuzzRequest => {
        const filled = fillPath(
          route,
          Object.fromEntries(route.pathParams.map((p, i) => [p.name, values[i] as string])),
        );
        return {
          route: `${route.method} ${route.path}`,
          identity: who,
          method: m,
          url: `${filled}${query}`,
          headers: { ...headers, ...(b.type ? { 'content-type': b.type } : {}) },
          ...(b.text !== undefined ? { payload: b.text } : {}),
          ...(b.hex !== undefined ? { payloadHex: b.hex } : {}),
          remoteAddress: ip,
        };
      });
  });
}
