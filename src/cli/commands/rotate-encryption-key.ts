// `tradewise rotate-encryption-key [--batch-size N] [--tenant <uuid>] [--json]`: re-encrypts every
// stored bot token under the first key of ENCRYPTION_KEY. Run it after putting the new key first
// (the old ones after it); remove an old key only once a run reports no failures. Safe to run again.
import { createBotTokenCipher } from '../../features/bots/bot-token.ts';
import { rotateBotTokens } from '../../features/bots/token-rotation.ts';
import { parseEncryptionKeys } from '../../platform/crypto/index.ts';
import type { Command } from '../context.ts';
import { JSON_OPTION, optionValue, printJson, UsageError, withCliContext } from '../context.ts';
import { TENANT_OPTION, tenantOption } from './options.ts';

export const rotateEncryptionKeyCommand: Command = {
  summary: 're-encrypt stored bot tokens under the first ENCRYPTION_KEY (resumable)',
  usage: '[--batch-size <n>] [--tenant <uuid>] [--json]',
  details:
    'Put the new key first in ENCRYPTION_KEY (the old ones after it), run this, and remove an old key only once a run reports no failures (exit 0). Progress goes to stderr.',
  options: [
    { name: 'batch-size', value: 'n', description: 'tokens per transaction, 1 to 999999 (default 500)' },
    { ...TENANT_OPTION, description: "only this tenant's bots" },
    {
      ...JSON_OPTION,
      description:
        'print {key_id, re_encrypted, already_current, failed, changed_meanwhile, failed_bot_ids} as JSON',
    },
  ],
  run(args) {
    const batchSize = optionValue(args, 'batch-size') ?? '500';
    if (!/^[1-9]\d{0,5}$/.test(batchSize)) {
      throw new UsageError(`--batch-size must be a whole number from 1 to 999999, got "${batchSize}"`);
    }
    const tenant = tenantOption(args);
    return withCliContext(async ({ config, db }) => {
      const cipher = createBotTokenCipher(config.encryptionKey);
      const counts = await rotateBotTokens(db, cipher, {
        batchSize: Number(batchSize),
        tenantId: tenant ?? null,
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
      if (args.options.has('json')) printJson(report);
      else {
        const failedIds =
          report.failed_bot_ids.length > 0 ? ` (bots ${report.failed_bot_ids.join(', ')})` : '';
        process.stdout.write(
          `key ${report.key_id}: ${report.re_encrypted} re-encrypted, ${report.already_current} already current, ${report.changed_meanwhile} changed meanwhile, ${report.failed} failed${failedIds}\n`,
        );
      }
      // Non-zero so that a script does not go on to remove an old key that some value still needs.
      return counts.failed === 0 ? 0 : 1;
    });
  },
};
