// `tradewise rotate-encryption-key [--batch-size N] [--tenant <uuid>]`: re-encrypts every stored bot
// token under the first key of ENCRYPTION_KEY. Run it after putting the new key first (the old
// ones after it); remove an old key only once a run reports no failures. Safe to run again.
import { createBotTokenCipher } from '../../features/bots/bot-token.ts';
import { rotateBotTokens } from '../../features/bots/token-rotation.ts';
import { parseEncryptionKeys } from '../../platform/crypto/index.ts';
import { isUuid } from '../../platform/db/index.ts';
import type { Command } from '../context.ts';
import { parseArgs, withCliContext } from '../context.ts';

const USAGE = 'usage: tradewise rotate-encryption-key [--batch-size N] [--tenant <uuid>]\n';

export const rotateEncryptionKeyCommand: Command = {
  summary: 're-encrypt stored bot tokens under the first ENCRYPTION_KEY (resumable)',
  run: (args) => {
    const { options } = parseArgs(args);
    const batchSize = options.get('batch-size') ?? '500';
    const tenant = options.get('tenant');
    const unknown = [...options.keys()].filter((key) => key !== 'batch-size' && key !== 'tenant');
    if (
      unknown.length > 0 ||
      typeof batchSize !== 'string' ||
      !/^[1-9]\d{0,5}$/.test(batchSize) ||
      (tenant !== undefined && !isUuid(tenant))
    ) {
      process.stderr.write(USAGE);
      return Promise.resolve(64); // EX_USAGE
    }
    return withCliContext(async ({ config, db }) => {
      const cipher = createBotTokenCipher(config.encryptionKey);
      const counts = await rotateBotTokens(db, cipher, {
        batchSize: Number(batchSize),
        tenantId: typeof tenant === 'string' ? tenant : null,
        onBatch: (progress) => {
          process.stderr.write(
            `progress: ${progress.reEncrypted} re-encrypted, ${progress.alreadyCurrent} already current, ${progress.failed} failed\n`,
          );
        },
      });
      const report = {
        key_id: parseEncryptionKeys(config.encryptionKey).primaryKid,
        re_encrypted: counts.reEncrypted,
        already_current: counts.alreadyCurrent,
        failed: counts.failed,
        changed_meanwhile: counts.changedMeanwhile,
        failed_bot_ids: counts.failedBotIds,
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
      // Non-zero so that a script does not go on to remove an old key that some value still needs.
      return counts.failed === 0 ? 0 : 1;
    });
  },
};
