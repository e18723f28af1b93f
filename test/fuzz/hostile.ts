// What an attacker types: injection strings for every interpreter behind the API, unicode that
// breaks naive code, sizes past every limit, wrong types, deep nesting and prototype keys.
import fc from 'fast-check';

/** Strings aimed at SQL, NoSQL, shells, templates, headers, paths, HTML and log parsers. */
export const INJECTIONS: readonly string[] = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '1; SELECT pg_sleep(30)--',
  "' UNION SELECT password_hash, email FROM users--",
  "admin'--",
  '$$; DROP TABLE bots; $$',
  "\\'; SET ROLE postgres; --",
  "%' OR tenant_id IS NOT NULL --",
  '{"$gt": ""}',
  '{"$ne": null}',
  '{"$where": "sleep(1000)"}',
  'a\r\nSet-Cookie: tw_refresh=evil',
  '%0d%0aX-Injected: 1',
  'x\nX-Request-ID: forged',
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '....//....//etc/passwd',
  '..\\..\\windows\\win.ini',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  '${7*7}',
  '<%= 7*7 %>',
  '#{7*7}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style probe, on purpose
  '${jndi:ldap://127.0.0.1:1/a}',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '; cat /etc/passwd',
  '$(id)',
  '`id`',
  '%s%s%s%n',
  '\u0000',
  'nul\u0000byte',
  '\u202Eevil',
  '\uFEFFbom',
  '\uD800',
  'e\u0301\u0301\u0301',
  '𝕬𝖉𝖒𝖎𝖓',
  'ＡＤＭＩＮ',
  '🦄💥🔥',
  'ß',
  ' ',
  '',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '0x7f000001',
  '__proto__',
  'constructor',
  'prototype',
];

export const POLLUTION_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Fields the server owns: sent by a client they must be refused (mass assignment, API3). */
export const SERVER_OWNED_FIELDS: readonly string[] = [
  'id',
  'tenant_id',
  'user_id',
  'roles',
  'is_active',
  'has_api_token',
  'status',
  'created_at',
  'updated_at',
  'password_hash',
  'email_verified',
  'is_operator',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'é', '🦄', '\u0301', "'"), fc.integer({ min: 200, max: 9_000 }))
      .map(([unit, n]) => unit.repeat(n)),
  },
  { weight: 1, arbitrary: fc.constant('x'.repeat(70_000)) },
);

/** Nested objects and arrays `depth` levels deep (the parser's limit is 20). */
export function nested(depth: number, useArrays: boolean): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = useArrays ? [value] : { a: value };
  return value;
}

/** A value of any type but the expected one, or of the expected type with hostile content. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, [], {}),
  fc.constantFrom({ $gt: '' }, { $ne: null }, { $regex: '.*' }, ['a', 'b'], [null]),
  fc.tuple(fc.integer({ min: 1, max: 60 }), fc.boolean()).map(([depth, arrays]) => nested(depth, arrays)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** An object that has `key` as an own property, even for `__proto__`. */
export function withKey(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  return Object.fromEntries([...Object.entries(base), [key, value]]);
}

/** Request bodies that are not JSON objects at all, or not JSON. */
export const malformedBodyText: fc.Arbitrary<string> = fc.constantFrom(
  '',
  '{',
  '{"a":',
  '[1,]',
  '{"a":1}{"b":2}',
  '{"a" 1}',
  "{'a': 1}",
  'NaN',
  'undefined',
  '\uFEFF{}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1,"a":2}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `{"a":"${'x'.repeat(70_000)}"}`,
  'null',
  '[]',
  '"string"',
  '123',
  'true',
);

// Look-alike values (issue 14, item 6): spellings that display as another account's e-mail or
// another name. Invisible, control and direction characters are refused (422) in every e-mail and
// name; the other spellings canonicalise to one account (409 on the second).
/** Characters that render as nothing or re-order the text around them. */
export const INVISIBLE_CHARACTERS: readonly string[] = [
  '\u200b', // zero-width space
  '\u200c', // zero-width non-joiner (outside Arabic or Brahmic letters)
  '\u200d', // zero-width joiner (outside an emoji sequence or a joining script)
  '\u200e', // left-to-right mark
  '\u200f', // right-to-left mark
  '\u202a', // left-to-right embedding
  '\u202e', // right-to-left override
  '\u2066', // left-to-right isolate
  '\u2069', // pop directional isolate
  '\u2060', // word joiner
  '\ufeff', // byte-order mark
  '\u00ad', // soft hyphen
  '\u180e', // Mongolian vowel separator
  '\u0001',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\u2029',
  '\u{E0041}', // tag letter A
];

/** E-mails that look like `alice@a.com`, `alice@bücher.de` or each other. */
export const LOOK_ALIKE_EMAILS: readonly string[] = [
  'alice\u200b@a.com',
  'ａlice@a.com',
  'ALICE@A.COM',
  'alice@ａ.com',
  'alice@a\uff0ecom',
  'alice@a\u3002com',
  '\u202etxt.exe@a.com',
  'a\u0001b@a.com',
  'a\u007f@a.com',
  'alice@bücher.de',
  'alice@xn--bcher-kva.de',
  'alice@bu\u0308cher.de',
  'alice@BÜCHER.DE',
  'ﬁnance@a.com',
  'alice\u00ad@a.com',
  '\ufeffalice@a.com',
];

/** A look-alike e-mail, or a short name with an invisible character somewhere in it. */
export const lookAlikeString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...LOOK_ALIKE_EMAILS),
  fc
    .tuple(
      fc.constantFrom('Alice', 'Momentum', 'binance', 'Zoë'),
      fc.constantFrom(...INVISIBLE_CHARACTERS),
      fc.nat(5),
    )
    .map(([name, char, at]) => name.slice(0, at) + char + name.slice(at)),
);
