// Timestamps read as PostgreSQL's text: the API's ISO form and the cursor's microseconds must be
// exactly what a Date (for milliseconds) and the database (for microseconds) say, in any offset.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../../src/platform/db/index.ts';
import {
  epochMicros,
  isoTimestamp,
  isoTimestampOrNull,
  timestampTextSql,
} from '../../../src/platform/db/index.ts';
import { createTestDatabase } from '../../helpers/app.ts';

describe('timestamp text', () => {
  test('UTC text becomes Date#toISOString form, microseconds truncated', () => {
    assert.equal(isoTimestamp('2026-11-28 05:31:19.399123+00'), '2026-11-28T05:31:19.399Z');
    assert.equal(isoTimestamp('2026-11-28 05:31:19.399999+00'), '2026-11-28T05:31:19.399Z');
    assert.equal(isoTimestamp('2026-11-28 05:31:19.09+00'), '2026-11-28T05:31:19.090Z');
    assert.equal(isoTimestamp('2026-11-28 05:31:19.5+00'), '2026-11-28T05:31:19.500Z');
    assert.equal(isoTimestamp('2026-11-28 05:31:19+00'), '2026-11-28T05:31:19.000Z');
    assert.equal(isoTimestamp('1969-12-31 23:59:59.000001+00'), '1969-12-31T23:59:59.000Z');
    assert.equal(isoTimestampOrNull(null), null);
  });

  test('other offsets are converted to UTC exactly', () => {
    assert.equal(isoTimestamp('2026-11-28 07:01:19.399123+01:30'), '2026-11-28T05:31:19.399Z');
    assert.equal(isoTimestamp('2026-11-28 00:31:19.4-05'), '2026-11-28T05:31:19.400Z');
    assert.equal(
      isoTimestamp('1890-01-01 00:00:00+00:53:28'),
      new Date(Date.UTC(1889, 11, 31, 23, 6, 32)).toISOString(),
    );
    assert.equal(
      epochMicros('2026-11-28 07:01:19.399123+01:30'),
      epochMicros('2026-11-28 05:31:19.399123+00'),
    );
  });

  test('microseconds since the epoch are exact', () => {
    assert.equal(epochMicros('1970-01-01 00:00:00+00'), 0);
    assert.equal(epochMicros('1970-01-01 00:00:00.000001+00'), 1);
    assert.equal(epochMicros('1969-12-31 23:59:59.999999+00'), -1);
    assert.equal(
      epochMicros('2026-11-28 05:31:19.399123+00'),
      Date.UTC(2026, 10, 28, 5, 31, 19) * 1000 + 399123,
    );
  });

  test('text that is not a timestamp PostgreSQL writes is refused, not misread', () => {
    for (const text of [
      '',
      'now',
      '2026-11-28T05:31:19Z',
      '0044-03-15 12:00:00+00 BC',
      '12026-01-01 00:00:00+00',
    ]) {
      assert.throws(() => epochMicros(text), RangeError, text);
      if (!text.endsWith('+00') || text.length < 22)
        assert.throws(() => isoTimestamp(text), RangeError, text);
    }
  });

  describe('against the database', () => {
    let db: Database;
    before(async () => {
      db = await createTestDatabase();
    });
    after(() => db.close());

    test('the ISO form equals the Date the driver would build, and microseconds equal extract(epoch)', async () => {
      const { rows } = await db.withTenant(null, (tx) =>
        tx.query<{ ts: string; us: string; ms: number }>(
          `SELECT ${timestampTextSql('ts')}, (extract(epoch FROM ts) * 1000000)::bigint::text AS us,
                  floor(extract(epoch FROM ts) * 1000)::float8 AS ms
           FROM (VALUES (now()), (timestamptz '2026-01-01 00:00:00.000100+00'), (timestamptz '2001-02-03 04:05:06+07'),
                        (timestamptz '1999-12-31 23:59:59.999999+00'), (timestamptz '2026-06-01 12:00:00.5-03:30')) AS v(ts)`,
        ),
      );
      assert.equal(rows.length, 5);
      for (const row of rows) {
        assert.equal(String(epochMicros(row.ts)), row.us, row.ts);
        assert.equal(isoTimestamp(row.ts), new Date(Number(row.ms)).toISOString(), row.ts);
      }
    });

    test('sessions run in UTC, so the fast path is the one taken', async () => {
      const { rows } = await db.withTenant(null, (tx) => tx.query<{ t: string }>('SELECT now()::text AS t'));
      assert.match(rows[0]?.t as string, /\+00$/);
    });
  });
});
