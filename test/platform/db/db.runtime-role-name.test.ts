// The runtime role's name is per database (two deployments on one cluster share nothing) and always
// a valid PostgreSQL identifier (at most 63 bytes), whatever the database is called.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quoteIdent, runtimeRoleName } from '../../../src/platform/db/runtime-role.ts';

describe('runtime role name', () => {
  test('is the database name with _runtime, never the old shared tradewise_app', () => {
    assert.equal(runtimeRoleName('tradewise'), 'tradewise_runtime');
    assert.notEqual(runtimeRoleName('tradewise'), 'tradewise_app');
  });

  test('fits in 63 bytes for the longest names, multi-byte ones included, and stays unique', () => {
    const a = `${'x'.repeat(55)}_a`;
    const b = `${'x'.repeat(55)}_b`;
    const wide = 'é'.repeat(31);
    for (const name of [a, b, wide, 'y'.repeat(63)]) {
      assert.ok(Buffer.byteLength(runtimeRoleName(name)) <= 63, name);
      assert.ok(runtimeRoleName(name).endsWith('_runtime'));
    }
    assert.notEqual(runtimeRoleName(a), runtimeRoleName(b));
    assert.ok(!runtimeRoleName(wide).includes('\uFFFD'), 'cut on a character boundary');
  });

  test('is quoted safely for DDL whatever characters the database name has', () => {
    assert.equal(quoteIdent('we"ird-db_runtime'), '"we""ird-db_runtime"');
  });
});
