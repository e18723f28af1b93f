// The fuzzer's crafted cursors and date-times (issue 14, item 3) keep reaching the class of values
// that were 500s: this pins what the generators produce, so that a change to them cannot quietly
// stop covering it. Each check names a value that got past the old checks and failed later.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { isTimestampText } from '../../src/platform/db/index.ts';
import { parseInstant } from '../../src/platform/instants.ts';
import { craftedCursor, edgeDateTime } from './crafted-values.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const SAMPLES = 3000;
const sample = <T>(arbitrary: fc.Arbitrary<T>) => fc.sample(arbitrary, { numRuns: SAMPLES, seed: 14 });
const decoded = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');
const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

// The pattern the users and sessions cursor checked before issue 14, item 3.
const OLD_USERS_KEY = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

describe('crafted values for the fuzzer', () => {
  test('cursors: valid base64url of every kind, many a users key that the old pattern passed and PostgreSQL refuses', () => {
    const cursors = sample(craftedCursor([]));
    const texts = cursors.filter((c) => /^[A-Za-z0-9_-]+$/.test(c)).map(decoded);
    assert.ok(texts.length > SAMPLES * 0.7, `only ${texts.length} base64url cursors`);
    const keys = texts
      .map(parsed)
      .filter((v): v is [string, string] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string')
      .map(([key]) => key);
    const slipped = keys.filter((key) => OLD_USERS_KEY.test(key) && !isTimestampText(key));
    assert.ok(slipped.length >= 50, `only ${slipped.length} users keys of the issue's class`);
    for (const kind of [
      /^v1\.\d+\.[0-9a-f-]{36}$/,
      /^v1\.a\.\d+$/,
      /^v1\.e\.\d+$/,
      /^(bots|subscriptions|users|sessions)\.-?\d+\.[0-9a-f-]{36}$/,
      /^(bots|subscriptions|users|sessions)\.(253402300800000000|-62135596800000001)\./,
      /^audit-log\.\d+$/,
      /^(ops-)?security-events\.[0-9a-f-]{36}$/,
    ]) {
      assert.ok(
        texts.some((text) => kind.test(text)),
        `no cursor of the form ${kind}`,
      );
    }
    assert.ok(
      texts.some((text) => text.includes('\u0000')),
      'no cursor carries a NUL',
    );
  });

  test("date-times: leap seconds, year 0000, 9999 with a negative offset, and many that ajv's format passed and we refuse", () => {
    const values = sample(edgeDateTime);
    const ajvFormat = addFormats(new Ajv()).compile({ type: 'string', format: 'date-time' });
    const slipped = values.filter((v) => ajvFormat(v) && parseInstant(v) === undefined);
    assert.ok(slipped.length >= 50, `only ${slipped.length} values of the issue's class`);
    assert.ok(values.some((v) => /T23:59:60/.test(v)));
    assert.ok(values.some((v) => v.startsWith('0000-')));
    assert.ok(values.some((v) => /^9999-.*-\d\d:\d\d$/.test(v)));
    assert.ok(values.some((v) => /[+-]24:?\d\d$/.test(v)));
    assert.ok(values.some((v) => /\.\d{10,}/.test(v)));
    assert.ok(values.some((v) => /\dt\d.*z$/.test(v)));
    assert.ok(
      values.filter((v) => parseInstant(v) !== undefined).length > SAMPLES * 0.1,
      'too few valid instants to reach the handlers',
    );
  });
});
