// `tradewise purge [--older-than <days>] [--tenant <id>]`: removes audit records and security
// events older than the retention period (default AUDIT_RETENTION_DAYS), keeping every tenant's
// chain verifiable from a checkpoint and appending an `audit.purge` record to each affected
// tenant's chain (see audit-retention.ts). Prints a JSON summary line; exits 1 when a tenant was
// left alone because its chain does not verify (its records are evidence and stay).
import { purgeAuditTrail } from '../../features/audit/audit-retention.ts';
import { purgeExpiredCredentials } from '../../features/auth/credential-retention.ts';
import { assertSeesEveryTenant, isUuid } from '../../platform/db/index.ts';
import type { Command } from '../context.ts';
import { parseArgs, withCliContext } from '../context.ts';

const USAGE = 'usage: tradewise purge [--older-than <days>] [--tenant <tenant uuid>]\n';

export const purgeCommand: Command = {
  summary: 'delete audit records and security events past retention: purge [--older-than <days>]',
  run: (args) => {
    const { options } = parseArgs(args);
    const days = options.get('older-than');
    const tenant = options.get('tenant');
    if (
      (days !== undefined && (typeof days !== 'string' || !/^[1-9]\d{0,4}$/.test(days))) ||
      (tenant !== undefined && !isUuid(tenant))
    ) {
      process.stderr.write(USAGE);
      return Promise.resolve(64);
    }
    return withCliContext(async ({ config, db }) => {
      await db.withOwner((q) => assertSeesEveryTenant(q, 'purge'));
      const olderThanDays = days === undefined ? config.auditRetentionDays : Number(days);
      const report = await purgeAuditTrail(db, {
        olderThanDays,
        ...(tenant !== undefined ? { tenantId: tenant } : {}),
      });
      // Expired credential bookkeeping goes platform-wide, whatever --tenant says.
      const credentials = tenant === undefined ? await purgeExpiredCredentials(db, olderThanDays) : undefined;
      process.stdout.write(
        `${JSON.stringify({ event: 'audit_purge', older_than_days: olderThanDays, ...report, credentials })}\n`,
      );
      return report.tenants.some((t) => t.skipped !== undefined) ? 1 : 0;
    });
  },
};
