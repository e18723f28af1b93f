// The instants a client may send (RFC 3339 §5.6 date-time, years 0001–9999 in UTC) and the
// timestamp texts a cursor may carry back (what PostgreSQL's timestamptz input takes). Issue 14,
// item 3: the values at these edges were 500s.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isTimestampText } from '../../src/platform/db/index.ts';
import { parseInstant } from '../../src/platform/instants.ts';

describe('RFC 3339 instants', () => {
  test('Z, offsets, lower-case t and z, and fractions of any length (kept to the millisecond) are read', () => {
    const cases: Array<[string, string]> = [
      ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.000Z'],
      ['2026-01-31t12:00:00z', '2026-01-31T12:00:00.000Z'],
      ['2026-01-31T12:00:00+05:30', '2026-01-31T06:30:00.000Z'],
      ['2026-01-31T12:00:00-00:00', '2026-01-31T12:00:00.000Z'],
      ['2026-01-31T12:00:00.123456789123Z', '2026-01-31T12:00:00.123Z'],
      ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
      ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
      ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
      ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
      ['9999-12-31T23:59:59+23:59', '9999-12-31T00:00:59.000Z'],
    ];
    for (const [text, iso] of cases) assert.equal(parseInstant(text)?.toISOString(), iso, text);
  });

  test('leap seconds, impossible dates, out-of-range years and other spellings are refused', () => {
    for (const text of [
      '2016-12-31T23:59:60Z',
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59-23:59',
      '9999-12-31T23:59:59.9999-00:01',
      '0001-01-01T00:00:00+00:01',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01T00:00:00-23:60',
      '2024-01-01 00:00:00Z',
      '2024-01-01T00:00:00+0100',
      '2024-01-01T00:00:00',
      '2024-01-01',
      '+010000-01-01T00:00:00Z',
      '2024-01-01T00:00:00.Z',
      '２０２４-01-01T00:00:00Z',
    ]) {
      assert.equal(parseInstant(text), undefined, text);
    }
  });
});

describe('timestamp texts a cursor may carry', () => {
  test("PostgreSQL's own text forms are taken, up to its ±15:59:59 displacement", () => {
    for (const text of [
      '2026-11-28 05:31:19.399123+00',
      '2024-02-29 00:00:00+05:30',
      '0001-01-01 00:00:00+15:59:59',
      '9999-12-31 23:59:59.999999-15:59',
    ]) {
      assert.equal(isTimestampText(text), true, text);
    }
  });

  test('fields out of range are refused before they reach SQL', () => {
    for (const text of [
      '2024-13-45 99:99:99+00',
      '0000-01-01 00:00:00+00',
      '2023-02-29 00:00:00+00',
      '2024-01-01 24:00:00+00',
      '2016-12-31 23:59:60+00',
      '2024-01-01 00:00:00+16',
      '2024-01-01 00:00:00+00:60',
      '2024-01-01T00:00:00+00',
    ]) {
      assert.equal(isTimestampText(text), false, text);
    }
  });
});
