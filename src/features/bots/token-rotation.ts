// Re-encrypts every stored bot token under the first ENCRYPTION_KEY (the key rotation runbook's
// second step, after the new key is listed first). Batches are committed one by one, and a value
// already sealed under the first key is skipped, so a run that crashed is finished by running the
// command again. Each value keeps its associated data (its own tenant and bot), so re-encryption
// cannot move a token between rows either.
import type { DataCipher } from '../../platform/crypto/index.ts';
import { DecryptionError } from '../../platform/crypto/index.ts';
import type { Database } from '../../platform/db/index.ts';
import { botTokenAad } from './bot-token.ts';
import type { TokenReplacement } from './token-rotation.repository.ts';
import { replaceTokens, seesAllTenants, selectTokenBatch } from './token-rotation.repository.ts';

export interface RotationCounts {
  reEncrypted: number;
  alreadyCurrent: number;
  /** Values no configured key opens (or bound to another row): left as they are. */
  failed: number;
  /** Values a user replaced while the batch ran: the newer value was kept. */
  changedMeanwhile: number;
  /** Ids of the bots whose value failed, for the operator (ids are not secret). */
  failedBotIds: string[];
}

export interface RotationOptions {
  batchSize?: number;
  /** Only this tenant's bots (default: every tenant). */
  tenantId?: string | null;
  /** Called after each committed batch (progress output; tests use it to simulate a crash). */
  onBatch?: (counts: Readonly<RotationCounts>) => void | Promise<void>;
}

export async function rotateBotTokens(
  db: Database,
  cipher: DataCipher,
  options: RotationOptions = {},
): Promise<RotationCounts> {
  const limit = options.batchSize ?? 500;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('batch size must be a positive integer');
  if (!(await db.withOwner(seesAllTenants))) {
    throw new Error(
      'rotate-encryption-key must run as the schema owner (MIGRATION_DATABASE_URL, or DATABASE_URL when it is the owner), a superuser or a BYPASSRLS role: row-level security hides the other tenants from this one',
    );
  }
  const counts: RotationCounts = {
    reEncrypted: 0,
    alreadyCurrent: 0,
    failed: 0,
    changedMeanwhile: 0,
    failedBotIds: [],
  };
  let afterId: string | null = null;
  for (;;) {
    const rows = await db.withOwner((q) =>
      selectTokenBatch(q, { afterId, limit, tenantId: options.tenantId ?? null }),
    );
    if (rows.length === 0) return counts;
    const batch: TokenReplacement[] = [];
    for (const row of rows) {
      if (!cipher.needsReEncryption(row.api_token_encrypted)) {
        counts.alreadyCurrent++;
        continue;
      }
      const aad = botTokenAad(row.tenant_id, row.id);
      try {
        const token = cipher.decrypt(row.api_token_encrypted, aad);
        batch.push({ id: row.id, oldValue: row.api_token_encrypted, newValue: cipher.encrypt(token, aad) });
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        counts.failed++;
        counts.failedBotIds.push(row.id);
      }
    }
    if (batch.length > 0) {
      const replaced = await db.withOwner((q) => replaceTokens(q, batch));
      counts.reEncrypted += replaced;
      counts.changedMeanwhile += batch.length - replaced;
    }
    afterId = (rows.at(-1) as { id: string }).id;
    await options.onBatch?.(counts);
  }
}
