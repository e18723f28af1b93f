// Re-encryption of stored bot tokens under the first key: counts, idempotence, resumption after a
// crash, legacy Fernet values, and associated data that stays bound to each value's own row.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { botTokenAad } from '../../src/features/bots/bot-token.ts';
import { rotateBotTokens } from '../../src/features/bots/token-rotation.ts';
import { parseEncryptionKeys } from '../../src/platform/crypto/index.ts';
import type { Database } from '../../src/platform/db/index.ts';
import { createTestDatabase } from '../helpers/app.ts';
import {
  NEW_KEY,
  newOnlyCipher,
  oldValue,
  rotatingCipher,
  SEED_TOKEN,
  SEED_VALUE,
  seedTenant,
} from './rotation.fixtures.ts';

const newKid = parseEncryptionKeys([NEW_KEY]).primaryKid;

async function storedValues(db: Database, tenantId: string): Promise<Map<string, string>> {
  const { rows } = await db.withTenant(tenantId, (tx) =>
    tx.query<{ id: string; v: string }>('SELECT id, api_token_encrypted AS v FROM bots'),
  );
  return new Map(rows.map((r) => [r.id, r.v]));
}

describe('rotating the bot-token encryption key', () => {
  let db: Database;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  test('old-key and Fernet values are re-encrypted under the first key, current ones kept, unreadable ones counted', async () => {
    const { tenantId, bots } = await seedTenant(db, 7, (tenant, id, i) => {
      const token = `token-number-${i}-0123456789`;
      if (i === 4) return { token: SEED_TOKEN, value: SEED_VALUE };
      if (i === 5) return { token, value: newOnlyCipher.encrypt(token, botTokenAad(tenant, id)) };
      // Sealed for another row: must not open here, rotation or not.
      if (i === 6) return { token: null, value: oldValue(tenant, randomUUID(), token) };
      return { token, value: oldValue(tenant, id, token) };
    });
    const batches: number[] = [];
    const counts = await rotateBotTokens(db, rotatingCipher, {
      tenantId,
      batchSize: 2,
      onBatch: () => void batches.push(1),
    });
    assert.deepEqual(counts, {
      reEncrypted: 5,
      alreadyCurrent: 1,
      failed: 1,
      changedMeanwhile: 0,
      failedBotIds: [bots[6]?.id],
    });
    assert.equal(batches.length, 4);

    const stored = await storedValues(db, tenantId);
    for (const bot of bots) {
      const value = stored.get(bot.id) as string;
      if (bot.token === null) {
        assert.equal(value, bot.value, 'an unreadable value is left untouched');
        continue;
      }
      assert.ok(value.startsWith(`v1.${newKid}.`));
      // Only the new key is needed now, and each value still opens only in its own row.
      assert.equal(newOnlyCipher.decrypt(value, botTokenAad(tenantId, bot.id)), bot.token);
      assert.throws(() => newOnlyCipher.decrypt(value, botTokenAad(tenantId, randomUUID())));
    }
  });

  test('a second run changes nothing and reports everything as current', async () => {
    const { tenantId } = await seedTenant(db, 3, (tenant, id, i) => ({
      token: `t-${i}-0123456789`,
      value: oldValue(tenant, id, `t-${i}-0123456789`),
    }));
    const first = await rotateBotTokens(db, rotatingCipher, { tenantId });
    const after = await storedValues(db, tenantId);
    const second = await rotateBotTokens(db, rotatingCipher, { tenantId });
    assert.equal(first.reEncrypted, 3);
    assert.deepEqual(second, {
      reEncrypted: 0,
      alreadyCurrent: 3,
      failed: 0,
      changedMeanwhile: 0,
      failedBotIds: [],
    });
    assert.deepEqual(await storedValues(db, tenantId), after);
  });

  test('a run that crashes after its first batch keeps that batch, and a re-run finishes the job', async () => {
    const { tenantId, bots } = await seedTenant(db, 5, (tenant, id, i) => ({
      token: `crash-${i}-0123456789`,
      value: oldValue(tenant, id, `crash-${i}-0123456789`),
    }));
    await assert.rejects(
      rotateBotTokens(db, rotatingCipher, {
        tenantId,
        batchSize: 2,
        onBatch: () => {
          throw new Error('simulated crash');
        },
      }),
      /simulated crash/,
    );
    const midway = [...(await storedValues(db, tenantId)).values()];
    assert.equal(midway.filter((v) => v.startsWith(`v1.${newKid}.`)).length, 2);

    const rerun = await rotateBotTokens(db, rotatingCipher, { tenantId, batchSize: 2 });
    assert.equal(rerun.reEncrypted, 3);
    assert.equal(rerun.alreadyCurrent, 2);
    const stored = await storedValues(db, tenantId);
    for (const bot of bots) {
      assert.equal(
        newOnlyCipher.decrypt(stored.get(bot.id) as string, botTokenAad(tenantId, bot.id)),
        bot.token,
      );
    }
  });

  test('a token replaced by a user while the batch runs is kept, not overwritten', async () => {
    const { tenantId, bots } = await seedTenant(db, 1, (tenant, id) => ({
      token: 'before-0123456789',
      value: oldValue(tenant, id, 'before-0123456789'),
    }));
    const id = bots[0]?.id as string;
    const userValue = newOnlyCipher.encrypt('set-by-user-0123456789', botTokenAad(tenantId, id));
    // The user's write lands between the rotation's read and its batch update.
    const racingDb: Database = {
      ...db,
      withOwner: (fn) =>
        db.withOwner((q) =>
          fn({
            query: async (sql, params) => {
              if (sql.trimStart().startsWith('UPDATE bots')) {
                await db.withTenant(tenantId, (tx) =>
                  tx.query('UPDATE bots SET api_token_encrypted = $2 WHERE id = $1', [id, userValue]),
                );
              }
              return q.query(sql, params);
            },
          }),
        ),
    };
    const counts = await rotateBotTokens(racingDb, rotatingCipher, { tenantId });
    assert.equal(counts.reEncrypted, 0);
    assert.equal(counts.changedMeanwhile, 1);
    assert.equal((await storedValues(db, tenantId)).get(id), userValue);
  });

  test('refuses to run when the database user cannot see every tenant (it would re-encrypt nothing)', async () => {
    const blind: Database = {
      ...db,
      withOwner: (fn) => fn({ query: async <Row>() => ({ rows: [{ ok: false }] as Row[], rowCount: 1 }) }),
    };
    await assert.rejects(rotateBotTokens(blind, rotatingCipher), /must run as the schema owner/);
  });
});
