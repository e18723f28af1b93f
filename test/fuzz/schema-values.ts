// Values that satisfy a JSON schema, so that generated requests get past validation and reach the
// handlers; for date-times and opaque cursors, also values at the edge of valid (crafted-values.ts),
// which a first check lets through and a later one must still refuse. Field names steer values towards the ones that matter: the ids, e-mails, passwords and
// refresh tokens of the seeded tenants, URLs the SSRF policy must judge.
import fc from 'fast-check';
import { craftedCursor, edgeDateTime } from './crafted-values.ts';
import type { JsonSchema } from './routes.ts';

/** Values the world knows, offered next to random ones. */
export interface Hints {
  ids: readonly string[];
  emails: readonly string[];
  passwords: readonly string[];
  refreshTokens: readonly string[];
  ips: readonly string[];
}

const UUID_PATTERN = /0-9a-fA-F\]\{8\}/;

const URLS: readonly string[] = [
  'https://93.184.215.14/health',
  'http://93.184.215.14:8080/status?x=1',
  'https://bot.example.com/api',
  'http://127.0.0.1:8000/api/v1/users',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::1]/',
  'http://0x7f000001/',
  'http://localhost/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'https://user:pass@93.184.215.14/',
  'not a url',
];

const freshEmail = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{4,12}$/), fc.constantFrom('', '+tag', '.x'))
  .map(([local, suffix]) => `fz-${local}${suffix}@example.test`);

// Satisfies the seed's policy (length, cases, digit, special) and is not a common password.
const strongPassword = fc.stringMatching(/^[a-z]{6,12}$/).map((word) => `Qz${word}-7!${word.length}`);

const plainText = (min: number, max: number) =>
  fc.oneof(
    fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength: max }),
    fc.string({ unit: 'grapheme', minLength: min, maxLength: max }),
  );

function stringValue(schema: JsonSchema, name: string, hints: Hints): fc.Arbitrary<string> {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, Math.max(min, 40));
  const pattern = typeof schema.pattern === 'string' ? schema.pattern : undefined;
  if (schema.format === 'uuid' || (pattern !== undefined && UUID_PATTERN.test(pattern))) {
    return hints.ids.length > 0 ? fc.oneof(fc.constantFrom(...hints.ids), fc.uuid()) : fc.uuid();
  }
  if (pattern !== undefined) return fc.stringMatching(new RegExp(pattern));
  if (schema.format === 'date-time') {
    const plain = fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
    return fc.oneof({ weight: 3, arbitrary: plain }, { weight: 2, arbitrary: edgeDateTime });
  }
  // A cursor is opaque: what a client can send is any base64url, most usefully of contents that
  // nearly pass (issue 14: a valid-looking timestamp that PostgreSQL refused was a 500).
  if (name === 'cursor') return craftedCursor(hints.ids);
  if (/email/.test(name)) return fc.oneof(fc.constantFrom(...hints.emails), freshEmail);
  if (/password/.test(name)) return fc.oneof(fc.constantFrom(...hints.passwords), strongPassword);
  if (name === 'username') return fc.oneof(fc.constantFrom(...hints.emails), freshEmail);
  if (name === 'refresh_token') return fc.oneof(fc.constantFrom(...hints.refreshTokens), plainText(1, 60));
  if (name === 'api_url') return fc.constantFrom(...URLS);
  if (name === 'api_token') return fc.stringMatching(/^tok[A-Za-z0-9]{8,40}$/);
  if (name === 'ip') return fc.oneof(fc.constantFrom(...hints.ips), fc.ipV4(), fc.ipV6());
  return plainText(min, max).filter((s) => s.trim().length >= min);
}

/** An arbitrary for values valid under `schema`; `name` is the property the value is for. */
export function validValue(schema: JsonSchema, name: string, hints: Hints): fc.Arbitrary<unknown> {
  const value = validNonNull(schema, name, hints);
  return schema.nullable === true ? fc.option(value, { nil: null, freq: 5 }) : value;
}

function validNonNull(schema: JsonSchema, name: string, hints: Hints): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(branches)) return fc.oneof(...branches.map((b) => validValue(b, name, hints)));
  switch (schema.type) {
    case 'string':
      return stringValue(schema, name, hints);
    case 'integer':
      return fc.integer({
        min: typeof schema.minimum === 'number' ? schema.minimum : -1000,
        max: typeof schema.maximum === 'number' ? schema.maximum : 1000,
      });
    case 'number':
      return fc.double({ min: -1000, max: 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = validValue((schema.items as JsonSchema) ?? {}, name, hints);
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 5, 5);
      return schema.uniqueItems === true
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(items, { minLength, maxLength });
    }
    case 'object':
      return objectValue(schema, hints);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A valid object: required properties always, optional ones sometimes. */
export function objectValue(schema: JsonSchema, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = (schema.required ?? []) as string[];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(properties)) model[key] = validValue(property, key, hints);
  const record = fc.record(model, { requiredKeys: required.filter((k) => k in model) });
  const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
  return record.filter((value) => Object.keys(value).length >= minProperties);
}
