// `tradewise purge [--older-than <days>] [--tenant <id>] [--json]`: removes audit records and
// security events older than the retention period (default AUDIT_RETENTION_DAYS), keeping every
// tenant's chain verifiable from a checkpoint and appending an `audit.purge` record to each
// affected tenant's chain (see audit-retention.ts). Says what it removed (--json: one JSON line);
// exits 1 when a tenant was left alone because its chain does not verify (its records are
// evidence and stay).
import { purgeAuditTrail } from '../../features/audit/audit-retention.ts';
import { purgeExpiredCredentials } from '../../features/auth/credential-retention.ts';
import { assertSeesEveryTenant } from '../../platform/db/index.ts';
import type { Command } from '../context.ts';
import { JSON_OPTION, optionValue, printJson, UsageError, withCliContext } from '../context.ts';
import { TENANT_OPTION, tenantOption } from './options.ts';

export const purgeCommand: Command = {
  summary: 'delete audit records and security events past retention',
  usage: '[--older-than <days>] [--tenant <uuid>] [--json]',
  details:
    'Exits 1 when a tenant was left alone because its chain does not verify (its records are evidence and stay).',
  options: [
    {
      name: 'older-than',
      value: 'days',
      description: 'retention in whole days, 1 to 99999 (default AUDIT_RETENTION_DAYS)',
    },
    { ...TENANT_OPTION, description: "only this tenant's records (pre-login events and credentials stay)" },
    { ...JSON_OPTION, description: 'print the report as one JSON line' },
  ],
  run(args) {
    const days = optionValue(args, 'older-than');
    if (days !== undefined && !/^[1-9]\d{0,4}$/.test(days)) {
      throw new UsageError(`--older-than must be a whole number of days from 1 to 99999, got "${days}"`);
    }
    const tenant = tenantOption(args);
    return withCliContext(async ({ config, db }) => {
      await db.withOwner((q) => assertSeesEveryTenant(q, 'purge'));
      const olderThanDays = days === undefined ? config.auditRetentionDays : Number(days);
      const report = await purgeAuditTrail(db, {
        olderThanDays,
        ...(tenant !== undefined ? { tenantId: tenant } : {}),
      });
      // Expired credential bookkeeping goes platform-wide, whatever --tenant says.
      const credentials = tenant === undefined ? await purgeExpiredCredentials(db, olderThanDays) : undefined;
      if (args.options.has('json')) {
        printJson({ event: 'audit_purge', older_than_days: olderThanDays, ...report, credentials });
      } else {
        const lines = [`purged what is older than ${olderThanDays} day(s) (before ${report.cutoff})`];
        for (const t of report.tenants) {
          lines.push(
            t.skipped === undefined
              ? `tenant ${t.tenant_id}: ${t.audit_records_deleted} audit record(s) and ${t.security_events_deleted} security event(s) deleted; chain checkpoint at seq ${t.checkpoint_seq ?? 'none'}`
              : `tenant ${t.tenant_id}: SKIPPED, its chain does not verify (first bad record ${t.first_bad ?? '?'}); nothing deleted`,
          );
        }
        if (report.tenants.length === 0) lines.push('no tenant had records past retention');
        if (tenant === undefined) {
          lines.push(`pre-login security events: ${report.pre_login_security_events_deleted} deleted`);
        }
        if (credentials !== undefined) {
          lines.push(
            `expired credentials: ${credentials.access_tokens} access token(s), ${credentials.token_revocations} revocation(s), ${credentials.sessions} session(s) deleted`,
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      return report.tenants.some((t) => t.skipped !== undefined) ? 1 : 0;
    });
  },
};
