// platform/pagination.ts: a listing reads back exactly the cursors it wrote and refuses everything
// else with the routes' 422 on `cursor` (never a throw of another kind, which would be a 500); the
// timestamp form round-trips at PostgreSQL's microsecond precision in this storage shape, at the
// edges of the years a timestamp's text holds; the cursors of before issue 15 still decode.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/platform/db/index.ts';
import { epochMicrosExact, timestampTextSql } from '../../src/platform/db/index.ts';
import { ValidationFailed } from '../../src/platform/errors.ts';
import {
  EARLIEST_MICROS,
  idCursor,
  keysetCursor,
  keysetOf,
  keysetParams,
  keysetSql,
  LATEST_MICROS,
  sequenceCursor,
  toPage,
} from '../../src/platform/pagination.ts';
import {
  legacyAuditSequence,
  legacyEventId,
  legacyMicrosKeyset,
  legacyTextKeyset,
} from '../../src/platform/pagination-legacy.ts';
import { createTestDatabase, serverShape } from '../helpers/app.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

// Listing names are unique per process: these are the test's own.
const things = keysetCursor('test-things');
const others = keysetCursor('test-others');
const records = sequenceCursor('test-records');
const events = idCursor('test-events');

const INVALID = [{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }];

function assertRefused(decode: () => unknown, label: string) {
  assert.throws(
    decode,
    (error: unknown) =>
      error instanceof ValidationFailed && assert.deepEqual(error.issues, INVALID) === undefined,
    label,
  );
}

describe('cursor encoding', () => {
  const id = randomUUID();

  test('every kind of position comes back as it went in, and no cursor is needed for a first page', () => {
    for (const createdUs of [0n, 1n, -1n, 1_795_843_879_399_123n, EARLIEST_MICROS, LATEST_MICROS]) {
      assert.deepEqual(things.decode(things.encode({ createdUs, id })), { createdUs, id });
    }
    for (const seq of [1, 2, 4, 1_000_000, Number.MAX_SAFE_INTEGER]) {
      assert.equal(records.decode(records.encode(seq)), seq);
    }
    assert.equal(events.decode(events.encode(id)), id);
    assert.equal(things.decode(undefined), undefined);
  });

  test('a cursor is base64url of the listing name and the position, nothing else', () => {
    assert.equal(
      Buffer.from(things.encode({ createdUs: 17n, id }), 'base64url').toString('utf8'),
      `test-things.17.${id}`,
    );
    assert.equal(Buffer.from(records.encode(3), 'base64url').toString('utf8'), 'test-records.3');
    assert.match(records.encode(3), /^[A-Za-z0-9_-]+$/);
  });

  test("another listing's cursor is refused, even one of the same kind of position", () => {
    const cursor = things.encode({ createdUs: 1n, id });
    assert.deepEqual(things.decode(cursor), { createdUs: 1n, id });
    assertRefused(() => others.decode(cursor), 'keyset on keyset');
    assertRefused(() => records.decode(b64(`test-events.${id}`)), 'id on sequence');
    assertRefused(() => events.decode(records.encode(1)), 'sequence on id');
  });

  test('a listing name is claimed once: a second listing under it cannot exist', () => {
    assert.throws(() => keysetCursor('test-things'), /listing name/);
    assert.throws(() => idCursor('Not a name'), /listing name/);
    assert.throws(() => sequenceCursor('v1'), /listing name/);
  });

  test('every malformed shape is the 422 on cursor, never another error', () => {
    const good = things.encode({ createdUs: 1_795_843_879_399_123n, id });
    const refused: [string, string][] = [
      ['empty', ''],
      ['not base64', '%%%'],
      ['standard alphabet', Buffer.from(`test-things.1.${id}??>`).toString('base64')],
      ['padding', `${good}==`],
      ['a trailing dot', `${good}.`],
      ['whitespace', ` ${good}`],
      ['too long', 'A'.repeat(257)],
      ['non-canonical trailing bits', `${b64('test-records.1').slice(0, -1)}F`],
      ['not UTF-8', Buffer.from([0x74, 0x65, 0xff, 0xfe]).toString('base64url')],
      ['no position', b64('test-things')],
      ['a field missing', b64('test-things.1')],
      ['a field too many', b64(`test-things.1.${id}.x`)],
      ['an empty field', b64(`test-things..${id}`)],
      ['leading zero', b64(`test-things.01.${id}`)],
      ['minus zero', b64(`test-things.-0.${id}`)],
      ['a plus sign', b64(`test-things.+1.${id}`)],
      ['a fraction', b64(`test-things.1.5.${id}`)],
      ['an exponent', b64(`test-things.1e18.${id}`)],
      ['before year 1', b64(`test-things.${EARLIEST_MICROS - 1n}.${id}`)],
      ['after year 9999', b64(`test-things.${LATEST_MICROS + 1n}.${id}`)],
      ['twenty digits', b64(`test-things.${'9'.repeat(20)}.${id}`)],
      ['upper-case uuid', b64(`test-things.1.${id.toUpperCase()}`)],
      ['braced uuid', b64(`test-things.1.{${id}}`)],
      ['urn uuid', b64(`test-things.1.urn:uuid:${id}`)],
      ['uuid without dashes', b64(`test-things.1.${id.replace(/-/g, '')}`)],
      ['NUL', b64(`test-things.1.${id}\u0000`)],
      ['injection', b64("test-things.1'; DROP TABLE bots;--.x")],
      ['a different case of the name', b64(`TEST-THINGS.1.${id}`)],
      ['an old kind of cursor elsewhere', b64(`v1.1.${id}`)],
      ['JSON', b64(JSON.stringify(['2024-01-01 00:00:00+00', id]))],
    ];
    for (const [label, cursor] of refused) assertRefused(() => things.decode(cursor), label);
    for (const [label, text] of [
      ['zero', 'test-records.0'],
      ['negative', 'test-records.-1'],
      ['past 2^53', 'test-records.9007199254740993'],
      ['sixteen nines', 'test-records.9999999999999999'],
      ['a fraction', 'test-records.1.5'],
      ['leading zero', 'test-records.07'],
      ['an id', `test-records.${id}`],
    ]) {
      assertRefused(() => records.decode(b64(text as string)), label as string);
    }
    for (const [label, text] of [
      ['upper case', `test-events.${id.toUpperCase()}`],
      ['a number', 'test-events.1'],
      ['two ids', `test-events.${id}.${id}`],
    ]) {
      assertRefused(() => events.decode(b64(text as string)), label as string);
    }
  });

  test('a page names its last row only when another page follows', () => {
    const rows = [1, 2, 3].map((seq) => ({ seq }));
    const full = toPage(
      rows,
      2,
      records,
      (row) => row.seq,
      (row) => row.seq,
    );
    assert.deepEqual(full.items, [1, 2]);
    assert.equal(records.decode(full.next_cursor ?? undefined), 2);
    assert.deepEqual(
      toPage(
        rows,
        3,
        records,
        (row) => row.seq,
        (row) => row.seq,
      ),
      { items: [1, 2, 3], next_cursor: null },
    );
  });
});

describe('cursors issued before issue 15', () => {
  const id = randomUUID();
  const bots = keysetCursor('test-legacy-bots', legacyMicrosKeyset);
  const users = keysetCursor('test-legacy-users', legacyTextKeyset);
  const audit = sequenceCursor('test-legacy-audit', legacyAuditSequence);
  const securityEvents = idCursor('test-legacy-events', legacyEventId);

  test('decode to the positions they named, as the old modules wrote them', () => {
    assert.deepEqual(bots.decode(b64(`v1.1795843879399123.${id}`)), {
      createdUs: 1_795_843_879_399_123n,
      id,
    });
    assert.deepEqual(users.decode(b64(JSON.stringify(['2026-11-28 05:31:19.399123+00', id]))), {
      createdUs: 1_795_843_879_399_123n,
      id,
    });
    assert.deepEqual(users.decode(b64(JSON.stringify(['2026-11-28 07:01:19.399123+01:30', id]))), {
      createdUs: 1_795_843_879_399_123n,
      id,
    });
    assert.equal(audit.decode(b64('v1.a.17')), 17);
    assert.equal(securityEvents.decode(b64(`v2.e.${id}`)), id);
  });

  test('keep the old checks: what the old modules refused is still the 422 on cursor', () => {
    const cases: [{ decode(c: string): unknown }, string][] = [
      [bots, b64('v1.12.not-a-uuid')],
      [bots, b64(`v2.1.${id}`)],
      [bots, b64(`v1.${'9'.repeat(19)}.${id}`)],
      [bots, `${b64(`v1.1.${id}`)}==`],
      [users, b64(JSON.stringify(['2024-13-45 99:99:99+00', id]))],
      [users, b64(JSON.stringify(['2016-12-31 23:59:60+00', id]))],
      [users, b64(JSON.stringify(['0000-01-01 00:00:00+00', id]))],
      [users, b64(JSON.stringify(['2024-01-01 00:00:00+00', 'x']))],
      [users, b64(JSON.stringify(['2024-01-01 00:00:00+00']))],
      [audit, b64('v1.a.0')],
      [audit, b64('v1.a.9007199254740993')],
      [audit, b64('v1.e.1')],
      [securityEvents, b64('v1.a.1')],
      [securityEvents, b64('v2.e.1')],
    ];
    for (const [cursor, text] of cases) assertRefused(() => cursor.decode(text), text);
  });
});

describe(`the timestamp form at microsecond precision (${shape})`, () => {
  let db: Database;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  // The edges of what the form holds, either side of ±2^53 µs (years 1685 and 2255), where a
  // double (and so `epoch + n * interval '1 microsecond'`) stops counting single microseconds.
  const INSTANTS = [
    '0001-01-01 00:00:00+00',
    '0001-01-01 00:00:00.000001+00',
    '0099-12-31 23:59:59.999999+00',
    '1000-06-15 12:34:56.789123+00',
    '1684-12-31 23:59:59.999999+00',
    '1969-12-31 23:59:59.999999+00',
    '1970-01-01 00:00:00.000001+00',
    '2026-11-28 05:31:19.399123+00',
    '2255-06-06 00:00:00.000001+00',
    '2300-01-01 00:00:00.000001+00',
    '9999-12-31 23:59:59.999998+00',
    '9999-12-31 23:59:59.999999+00',
  ];

  test("a row's timestamp text gives the database's own microseconds, in any time zone offset", async () => {
    const { rows } = await db.withTenant(null, (tx) =>
      tx.query<{ ts: string; us: string }>(
        `SELECT ${timestampTextSql('ts')}, (extract(epoch FROM ts) * 1000000)::bigint::text AS us
         FROM unnest($1::timestamptz[]) AS v(ts)`,
        [INSTANTS],
      ),
    );
    assert.equal(rows.length, INSTANTS.length);
    for (const row of rows) assert.equal(String(epochMicrosExact(row.ts)), row.us, row.ts);
    assert.equal(epochMicrosExact('2026-11-28 07:01:19.399123+01:30'), 1_795_843_879_399_123n);
    assert.equal(epochMicrosExact(INSTANTS[0] as string), EARLIEST_MICROS);
    assert.equal(epochMicrosExact(INSTANTS.at(-1) as string), LATEST_MICROS);
  });

  test('keysetSql rebuilds the exact instant: the rows after a position are the ones a microsecond later', async () => {
    // The row at the position, one at the same instant with a larger id, and one a microsecond
    // later (ascending) or earlier (descending) with the largest id.
    const rowsAround = (later: string) => `(VALUES ($1::timestamptz, $4::uuid), ($1::timestamptz, $5::uuid),
      ($1::timestamptz ${later} interval '1 microsecond', $6::uuid)) AS v(created_at, id)`;
    for (const direction of ['ascending', 'descending'] as const) {
      const keyset = keysetSql('v', 2, direction);
      const later = direction === 'ascending' ? '+' : '-';
      for (const instant of INSTANTS) {
        const ids = [randomUUID(), randomUUID(), randomUUID()].sort();
        const found = await db.withTenant(null, async (tx) => {
          const at = await tx.query<{ created_at: string }>(
            `SELECT v.created_at::text AS created_at FROM ${rowsAround(later)} WHERE v.id = $4 AND $2::int = $3::int`,
            [instant, 0, 0, ...ids],
          );
          const position = keysetOf((at.rows[0] as { created_at: string }).created_at, ids[0] as string);
          return tx.query<{ id: string }>(
            `SELECT v.id::text AS id FROM ${rowsAround(later)} WHERE ${keyset.after} ${keyset.order}`,
            [instant, ...keysetParams(position), ...ids],
          );
        });
        const expected = direction === 'ascending' ? [ids[1], ids[2]] : [ids[2]];
        assert.deepEqual(
          found.rows.map((row) => row.id),
          expected,
          `${direction} after ${instant}`,
        );
      }
    }
  });
});
