// The command table: one line per command, each implemented in its own module.
import type { Command } from '../context.ts';
import { listBlockedIpsCommand, unblockIpCommand } from './blocked-ips.ts';
import { createOperatorCommand } from './create-operator.ts';
import { migrateCommand } from './migrate.ts';
import { purgeCommand } from './purge.ts';
import { removeOperatorCommand } from './remove-operator.ts';
import { rotateEncryptionKeyCommand } from './rotate-encryption-key.ts';
import { verifyAuditCommand } from './verify-audit.ts';

export const commands: Record<string, Command> = {
  migrate: migrateCommand,
  'create-operator': createOperatorCommand,
  'remove-operator': removeOperatorCommand,
  'list-blocked-ips': listBlockedIpsCommand,
  'unblock-ip': unblockIpCommand,
  'verify-audit': verifyAuditCommand,
  purge: purgeCommand,
  'rotate-encryption-key': rotateEncryptionKeyCommand,
};
