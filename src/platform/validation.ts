// Request validation. The contract refuses unknown JSON fields and type coercion in bodies
// ("5" is not a number), while query strings and path parameters arrive as text and must be
// coerced. Fastify's default Ajv does the opposite for bodies (removeAdditional, coerceTypes), so
// each part of the request gets its own Ajv instance here.

import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { DATE_TIME_RULE, isInstant } from './instants.ts';
import type { TextRule } from './text-rules.ts';
import { hasInvisibleCharacters, INVISIBLE_CHARACTERS_MESSAGE, TEXT_RULE_KEYWORD } from './text-rules.ts';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

const common: Options = {
  allErrors: true,
  strict: false,
  useDefaults: true,
  removeAdditional: false,
  messages: true,
};

// `date-time` is ours (platform/instants.ts): ajv-formats' version takes leap seconds, year 0000
// and offsets past year 9999, which a Date or PostgreSQL then refused as a 500.
const withFormats = (ajv: Ajv): Ajv =>
  addFormats(ajv).addFormat('date-time', { type: 'string', validate: isInstant });
const bodyAjv = withFormats(new Ajv({ ...common, coerceTypes: false }));
const textAjv = withFormats(new Ajv({ ...common, coerceTypes: 'array' }));

// A string schema that names a text rule (`textRule('name')` in a feature's schema) refuses the
// characters that rule forbids, wherever the field appears; the OpenAPI document shows the rule
// as the `x-text-rule` extension.
for (const ajv of [bodyAjv, textAjv]) {
  ajv.addKeyword({
    keyword: TEXT_RULE_KEYWORD,
    type: 'string',
    schemaType: 'string',
    errors: false,
    validate: (rule: TextRule, data: string) => !hasInvisibleCharacters(data, rule),
  });
}

type JsonSchema = Record<string, unknown>;

/**
 * Safety net for body schemas that forget a bound (OWASP ASVS 5.1.4 / 13.1.x): a string without
 * maxLength takes at most this many characters, an array without maxItems this many items.
 * Routes that need other bounds say so in their schema.
 */
export const DEFAULT_MAX_STRING_LENGTH = 8192;
export const DEFAULT_MAX_ITEMS = 1000;

const hasType = (schema: JsonSchema, type: string): boolean =>
  schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));

/**
 * Deep copy of `schema` in which every object schema that says nothing refuses unknown keys, and
 * every string and array schema without a bound gets the default one.
 */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = closeObjects(value);
  if (
    copy.type === 'object' &&
    copy.additionalProperties === undefined &&
    copy.patternProperties === undefined
  ) {
    copy.additionalProperties = false;
  }
  if (hasType(copy, 'string') && copy.maxLength === undefined) copy.maxLength = DEFAULT_MAX_STRING_LENGTH;
  if (hasType(copy, 'array') && copy.maxItems === undefined) copy.maxItems = DEFAULT_MAX_ITEMS;
  return copy;
}

export function compileValidator({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  if (httpPart === 'body') return refusingUnstorable(bodyAjv.compile(closeObjects(schema) as JsonSchema));
  return refusingUnstorable(textAjv.compile(schema as JsonSchema));
}

// A UTF-16 code unit of a surrogate pair with no partner (a JSON `"\ud800"` escape): no UTF-8
// encoding exists for it, so the database drivers would silently store U+FFFD instead.
const LONE_SURROGATE = /\p{Cs}/u;

interface Unstorable {
  at: string;
  keyword: 'nul' | 'surrogate';
}

/** Where in `data` (as an Ajv instancePath) a string holds U+0000 or a lone surrogate. */
function unstorableAt(data: unknown, path = ''): Unstorable | undefined {
  if (typeof data === 'string') {
    if (data.includes('\u0000')) return { at: path, keyword: 'nul' };
    return LONE_SURROGATE.test(data) ? { at: path, keyword: 'surrogate' } : undefined;
  }
  if (data === null || typeof data !== 'object') return undefined;
  for (const [key, value] of Object.entries(data)) {
    const found = unstorableAt(value, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * PostgreSQL text cannot hold U+0000: a NUL in any string of a body, query or path would reach
 * the database as an error (a 500). Nor can UTF-8 hold a lone surrogate, which would be stored as
 * U+FFFD, not as sent (issue 14, item 11). Both are refused here, in every part of every request,
 * as a 422. The wrapper keeps Ajv's own properties (Fastify passes parentData when `schemaEnv` is set).
 */
function refusingUnstorable(validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    const found = unstorableAt(data);
    if (found !== undefined) {
      wrapped.errors = [
        {
          keyword: found.keyword,
          instancePath: found.at,
          schemaPath: '#',
          params: {},
          message:
            found.keyword === 'nul' ? 'String should not contain NUL' : 'String should be valid Unicode',
        },
      ];
      return false;
    }
    const valid = validate(data, context);
    wrapped.errors = validate.errors;
    return valid;
  }) as ValidateFunction;
  return Object.assign(wrapped, { schema: validate.schema, schemaEnv: validate.schemaEnv });
}

const TYPE_NAMES: Record<string, string> = {
  string: 'string_type',
  integer: 'int_type',
  number: 'float_type',
  boolean: 'bool_type',
  array: 'list_type',
  object: 'dict_type',
  null: 'none_type',
};

function issueOf(error: FastifySchemaValidationError | ErrorObject, part: string): ValidationIssue {
  const loc: (string | number)[] = [part];
  const path = error.instancePath ?? '';
  for (const segment of path.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    loc.push(/^\d+$/.test(key) ? Number(key) : key);
  }
  const params = (error.params ?? {}) as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      loc.push(String(params.missingProperty));
      return { loc, msg: 'Field required', type: 'missing' };
    case 'additionalProperties':
      loc.push(String(params.additionalProperty));
      return { loc, msg: 'Extra inputs are not permitted', type: 'extra_forbidden' };
    case 'type': {
      const expected = String(params.type).split(',')[0] ?? 'value';
      return { loc, msg: `Input should be a valid ${expected}`, type: TYPE_NAMES[expected] ?? 'type_error' };
    }
    case 'minLength':
      return { loc, msg: `String should have at least ${params.limit} characters`, type: 'string_too_short' };
    case 'maxLength':
      return { loc, msg: `String should have at most ${params.limit} characters`, type: 'string_too_long' };
    case 'minItems':
      return { loc, msg: `List should have at least ${params.limit} items`, type: 'too_short' };
    case 'maxItems':
      return { loc, msg: `List should have at most ${params.limit} items`, type: 'too_long' };
    case 'minProperties':
      // A PATCH with nothing to change: say so in words, not in the validator's.
      return {
        loc,
        msg:
          params.limit === 1 ? 'Send at least one field to change' : `Send at least ${params.limit} fields`,
        type: 'too_few_fields',
      };
    case 'minimum':
      return {
        loc,
        msg: `Input should be greater than or equal to ${params.limit}`,
        type: 'greater_than_equal',
      };
    case 'maximum':
      return { loc, msg: `Input should be less than or equal to ${params.limit}`, type: 'less_than_equal' };
    case 'enum':
    case 'const':
    case 'anyOf':
      return { loc, msg: 'Input should be one of the allowed values', type: 'enum' };
    case 'format':
      if (params.format === 'date-time') return { loc, msg: DATE_TIME_RULE, type: 'date-time_format' };
      return { loc, msg: `Input should be a valid ${params.format}`, type: `${params.format}_format` };
    case 'pattern':
      return { loc, msg: 'String does not match the expected pattern', type: 'string_pattern_mismatch' };
    case 'nul':
      return { loc, msg: 'String should not contain NUL characters', type: 'string_nul' };
    case 'surrogate':
      return {
        loc,
        msg: 'String should be valid Unicode (no unpaired surrogate escapes)',
        type: 'string_unicode',
      };
    case TEXT_RULE_KEYWORD:
      return { loc, msg: INVISIBLE_CHARACTERS_MESSAGE, type: 'string_invisible_characters' };
    default:
      return { loc, msg: error.message ?? 'Invalid value', type: error.keyword ?? 'value_error' };
  }
}

/** Converts Ajv errors to FastAPI's `detail` list, dropping the noise of union branches. */
export function toValidationIssues(
  errors: readonly (FastifySchemaValidationError | ErrorObject)[],
  part: string,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  // Ajv reports each failed branch of an anyOf (e.g. every literal of an enum) before the anyOf
  // itself; the anyOf error alone says what a client needs.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && anyOfPaths.has(error.instancePath)) continue;
    const issue = issueOf(error, part === 'querystring' ? 'query' : part === 'params' ? 'path' : part);
    const key = JSON.stringify([issue.loc, issue.type]);
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}
