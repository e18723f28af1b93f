// Values that look right on the outside and are wrong inside (issue 14, items 3 and 11): cursors
// that are valid base64url around contents no service issued, date-times at the edges of RFC 3339,
// and bodies with bytes that are not UTF-8.
// Both got past a first check (a base64 decode and a pattern; ajv's `date-time` format) and then
// failed in PostgreSQL or a JS Date as 500s, which only values generated field by field find.
import fc from 'fast-check';

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const digits = (n: number, width: number) => String(n).padStart(width, '0');

/** A uuid, sometimes in a spelling PostgreSQL takes and our patterns do not. */
const cursorId = (ids: readonly string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: ids.length > 0 ? fc.oneof(fc.constantFrom(...ids), fc.uuid()) : fc.uuid() },
    {
      weight: 1,
      arbitrary: fc
        .uuid()
        .chain((id) =>
          fc.constantFrom(id.toUpperCase(), `{${id}}`, `urn:uuid:${id}`, id.replace(/-/g, ''), `${id}\u0000`),
        ),
    },
  );

/**
 * PostgreSQL-style timestamp text (`2024-01-31 12:00:00.123456+00`) with every field drawn from a
 * range wider than the calendar's: month 13, day 45, 99:99:99, year 0000 or five digits, offsets
 * past ±15:59, fractions longer than microseconds, a leap second.
 */
export const timestampText: fc.Arbitrary<string> = fc
  .record({
    year: fc.oneof(fc.constantFrom(0, 1, 1970, 2016, 2024, 9999), fc.integer({ min: 0, max: 99_999 })),
    month: fc.integer({ min: 0, max: 99 }),
    day: fc.integer({ min: 0, max: 99 }),
    hour: fc.oneof(fc.constantFrom(0, 23, 24), fc.integer({ min: 0, max: 99 })),
    minute: fc.oneof(fc.constantFrom(0, 59, 60), fc.integer({ min: 0, max: 99 })),
    second: fc.oneof(fc.constantFrom(0, 59, 60), fc.integer({ min: 0, max: 99 })),
    fraction: fc.stringMatching(/^(\.\d{1,12})?$/),
    offset: fc.oneof(
      fc.constantFrom('+00', '-00', '+15:59:59', '-15:59', '+16', '+00:60', '+99:99:99', ' BC', ''),
      fc
        .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
        .map(([sign, h, m]) => `${sign}${digits(h, 2)}:${digits(m, 2)}`),
    ),
  })
  .map(
    (f) =>
      `${digits(f.year, 4)}-${digits(f.month, 2)}-${digits(f.day, 2)} ` +
      `${digits(f.hour, 2)}:${digits(f.minute, 2)}:${digits(f.second, 2)}${f.fraction}${f.offset}`,
  );

/** Contents of a cursor of each kind this service issues, well-formed or nearly so. */
function cursorContents(ids: readonly string[]): fc.Arbitrary<string> {
  const id = cursorId(ids);
  const micros = fc.oneof(
    fc.bigInt({ min: 0n, max: 4_102_444_800_000_000n }).map(String),
    fc.constantFrom('0', '999999999999999999', '9999999999999999999999', '-1', '01', '1e18', ''),
  );
  const sequence = fc.oneof(
    fc.integer({ min: 1, max: 10_000 }).map(String),
    fc.constantFrom('0', '9007199254740993', '9999999999999999', '99999999999999999999', '-1', '1.5', '1e3'),
  );
  // Since issue 15: `<listing>.<position>`, with every listing's name (and near misses), so that a
  // route sees its own cursors, other listings' and ones at the edges of the microsecond range.
  const keysetListing = fc.constantFrom('bots', 'subscriptions', 'users', 'sessions', 'Bots', 'bot', '');
  const idListing = fc.constantFrom('security-events', 'ops-security-events', 'audit-log', 'events');
  const edgeMicros = fc.oneof(
    micros,
    fc.constantFrom(
      '-62135596800000000',
      '-62135596800000001',
      '253402300799999999',
      '253402300800000000',
      '-0',
      '+1',
      '9007199254740993',
    ),
  );
  return fc.oneof(
    fc.tuple(keysetListing, edgeMicros, id).map(([listing, us, uuid]) => `${listing}.${us}.${uuid}`),
    fc
      .tuple(fc.constantFrom('audit-log', 'security-events'), sequence)
      .map(([listing, n]) => `${listing}.${n}`),
    fc.tuple(idListing, id).map(([listing, uuid]) => `${listing}.${uuid}`),
    // Before issue 15 (still read for one release, platform/pagination-legacy.ts):
    // users and sessions: ["<timestamptz text>", "<uuid>"]
    fc.tuple(timestampText, id).map((pair) => JSON.stringify(pair)),
    // bots and subscriptions: v1.<microseconds>.<uuid>
    fc.tuple(micros, id).map(([us, uuid]) => `v1.${us}.${uuid}`),
    // audit records and security events: v1.a.<seq>, v1.e.<id>
    fc.tuple(fc.constantFrom('a', 'e', 'x', 'A'), sequence).map(([kind, n]) => `v1.${kind}.${n}`),
  );
}

/** JSON that is no cursor's: wrong arity, wrong types, huge numbers, NUL, injections. */
const WRONG_CONTENTS: readonly string[] = [
  '[]',
  '["2024-01-01 00:00:00+00"]',
  '["2024-01-01 00:00:00+00","00000000-0000-4000-8000-000000000000","extra"]',
  '[1704067200,"00000000-0000-4000-8000-000000000000"]',
  '["2024-01-01 00:00:00+00",1]',
  '[null,null]',
  '[true,{}]',
  '[1e308,1e308]',
  '[-0,"NaN"]',
  '{"key":"2024-01-01 00:00:00+00","id":"00000000-0000-4000-8000-000000000000"}',
  'null',
  '"v1.a.1"',
  '123456789012345678901234567890',
  '["\\u0000","00000000-0000-4000-8000-000000000000"]',
  '["2024-01-01 00:00:00+00\\u0000","00000000-0000-4000-8000-000000000000"]',
  '["infinity","00000000-0000-4000-8000-000000000000"]',
  '["now","00000000-0000-4000-8000-000000000000"]',
  '["epoch","00000000-0000-4000-8000-000000000000"]',
  '["2024-01-01 00:00:00+00\'; DROP TABLE users; --","00000000-0000-4000-8000-000000000000"]',
  '[{"__proto__":{"polluted":true}},"00000000-0000-4000-8000-000000000000"]',
  'v1.\u0000.00000000-0000-4000-8000-000000000000',
  'v1.a.\u0000',
  'v1.e.1\u0000',
  'v2.a.1',
  'v1.a.1.',
  ' v1.a.1',
];

/**
 * A `?cursor=` value: mostly valid base64url (sometimes padded or in the standard alphabet) of the
 * contents above or of any kind's cursor, so that routes see other kinds' cursors too; rarely not
 * base64 at all, or raw bytes that are not UTF-8.
 */
export function craftedCursor(ids: readonly string[]): fc.Arbitrary<string> {
  const contents = fc.oneof(
    { weight: 6, arbitrary: cursorContents(ids) },
    { weight: 3, arbitrary: fc.constantFrom(...WRONG_CONTENTS) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: contents.map(base64url) },
    {
      weight: 1,
      arbitrary: contents.map((text) => Buffer.from(text, 'utf8').toString('base64')),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 60 })
        .map((bytes) => Buffer.from(bytes).toString('base64url')),
    },
  );
}

/**
 * Date-time strings at the edges: leap seconds, year 0000, 9999 with negative offsets, ±24:00
 * offsets, long fractions, lower-case t and z, a space for T, offsets without a colon, extended
 * years, and fields out of range — beside plain valid instants.
 */
export const edgeDateTime: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '2016-12-31T23:59:60Z',
    '2016-12-31T23:59:60.999Z',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '0001-01-01T00:00:00+00:01',
    '9999-12-31T23:59:59Z',
    '9999-12-31T23:59:59-23:59',
    '9999-12-31T23:59:59.999999999-00:01',
    '1970-01-01T00:00:00+24:00',
    '1970-01-01T00:00:00-24:00',
    '2024-01-01T24:00:00Z',
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-01-01t00:00:00z',
    '2024-01-01 00:00:00Z',
    '2024-01-01T00:00:00+0100',
    '2024-01-01T00:00:00.123456789012345678901Z',
    '+275760-09-13T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '2024-01-01T00:00:00',
    '2024-01-01',
  ),
  fc
    .record({
      year: fc.oneof(fc.constantFrom(0, 1, 1970, 9999), fc.integer({ min: 0, max: 9999 })),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 24 }),
      minute: fc.integer({ min: 0, max: 60 }),
      second: fc.integer({ min: 0, max: 61 }),
      separator: fc.constantFrom('T', 'T', 't', ' '),
      fraction: fc.stringMatching(/^(\.\d{1,15})?$/),
      zone: fc.oneof(
        fc.constantFrom('Z', 'z', '+00:00', '-00:00'),
        fc
          .tuple(
            fc.constantFrom('+', '-'),
            fc.integer({ min: 0, max: 24 }),
            fc.integer({ min: 0, max: 60 }),
            fc.constantFrom(':', ':', ''),
          )
          .map(([sign, h, m, colon]) => `${sign}${digits(h, 2)}${colon}${digits(m, 2)}`),
      ),
    })
    .map(
      (f) =>
        `${digits(f.year, 4)}-${digits(f.month, 2)}-${digits(f.day, 2)}${f.separator}` +
        `${digits(f.hour, 2)}:${digits(f.minute, 2)}:${digits(f.second, 2)}${f.fraction}${f.zone}`,
    ),
);

// Byte sequences RFC 3629 forbids: a lead byte without its continuation (0xC3 0x28), a lone
// continuation, an overlong "/", an encoded surrogate, a code point past U+10FFFF, 0xFE and 0xFF.
const NOT_UTF8: readonly number[][] = [
  [0xc3, 0x28],
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xfe],
  [0xff],
];

/**
 * `text` (a body the generators made) with bytes that are not UTF-8 spliced in somewhere, as hex so
 * that a failing request prints whole. Decoded leniently, it would reach the handler with U+FFFD.
 */
export function withInvalidUtf8(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(text, fc.constantFrom(...NOT_UTF8), fc.nat()).map(([body, bytes, at]) => {
    const utf8 = Buffer.from(body, 'utf8');
    const cut = utf8.length === 0 ? 0 : at % (utf8.length + 1);
    return Buffer.concat([utf8.subarray(0, cut), Buffer.from(bytes), utf8.subarray(cut)]).toString('hex');
  });
}
