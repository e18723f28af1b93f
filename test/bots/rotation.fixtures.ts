// Stored bot tokens for the key-rotation tests: keys, the original service's Fernet value, and a
// tenant seeded directly in the database with whatever stored values a test needs.
import { randomUUID } from 'node:crypto';
import { botTokenAad, createBotTokenCipher } from '../../src/features/bots/bot-token.ts';
import { generateEncryptionKey } from '../../src/platform/crypto/index.ts';
import type { Database } from '../../src/platform/db/index.ts';

export const OLD_KEY = generateEncryptionKey();
export const NEW_KEY = generateEncryptionKey();
// The original service's key and a value it stored (see crypto.fernet.test.ts for its provenance).
export const SEED_KEY = 'S0kO2Z6SO8S2B7X6BFPHdHYM8G0ywhuYVp2S02kRYls=';
export const SEED_TOKEN = 'bot-api-token-0123456789';
export const SEED_VALUE =
  'Z0FBQUFBQmxVX0VBRUJFU0V4UVZGaGNZR1JvYkhCMGVIeEdjTDlJdU0yVjdCNi1VZVd1YngyUHpzTTlrQWJkTnRWYU53c3dIQ1ZHYWU4' +
  'cThXZHJ3NGpoaWtRRWJJTzdCRHhXZWh4WHc3ZEtSX3hHNjVqNVMtd0U9';

export const oldCipher = createBotTokenCipher([OLD_KEY]);
export const rotatingCipher = createBotTokenCipher([NEW_KEY, OLD_KEY, SEED_KEY]);
export const newOnlyCipher = createBotTokenCipher([NEW_KEY]);

export interface SeededBot {
  id: string;
  token: string | null;
  value: string;
}

/** A tenant with bots whose stored values are given by `make(tenantId, botId, index)`. */
export async function seedTenant(
  db: Database,
  count: number,
  make: (tenantId: string, botId: string, i: number) => { token: string | null; value: string },
): Promise<{ tenantId: string; bots: SeededBot[] }> {
  const tenantId = randomUUID();
  const bots: SeededBot[] = [];
  await db.withTenant(tenantId, async (tx) => {
    await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, 'rotation']);
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const { token, value } = make(tenantId, id, i);
      await tx.query(
        `INSERT INTO bots (id, tenant_id, name, kind, exchange, strategy, api_url, api_token_encrypted)
         VALUES ($1, $2, $3, 'external', 'x', 'y', 'https://93.184.215.14/', $4)`,
        [id, tenantId, `bot ${i}`, value],
      );
      bots.push({ id, token, value });
    }
  });
  return { tenantId, bots };
}

export const oldValue = (tenantId: string, id: string, token: string) =>
  oldCipher.encrypt(token, botTokenAad(tenantId, id));
