// `tradewise verify-audit [--tenant <id>] [--json]`: recomputes the audit hash chain of one tenant
// or of every tenant, offline, as the database owner: always the full walk from the first retained
// record, checking each tenant's signed verified point on the way, and storing a new one for an
// intact chain (the service's incremental verification then starts there). Says per tenant whether
// its chain verifies; --json prints one JSON line per tenant ({tenant_id, ok, checked, first_bad,
// reason?, checkpoint_seq, head, mode, verified_from, point_rejected?}) and, for all tenants, a
// summary line. Exits 1 when any chain fails. The printed head (seq, hash) is worth keeping
// outside the database too: a point signed with the service's ENCRYPTION_KEY catches a rewrite
// since the last verification, the kept head one since you kept it.
import { verifyAndRecordPoint } from '../../features/audit/audit-verify.ts';
import { auditTenants } from '../../features/audit/retention.repository.ts';
import { createVerifiedPointSeal } from '../../features/audit/verified-point.ts';
import { assertSeesEveryTenant } from '../../platform/db/index.ts';
import type { Command } from '../context.ts';
import { JSON_OPTION, printJson, withCliContext } from '../context.ts';
import { TENANT_OPTION, tenantOption } from './options.ts';

export const verifyAuditCommand: Command = {
  summary: 'verify the audit hash chain of every tenant (the full walk)',
  usage: '[--tenant <uuid>] [--json]',
  details:
    'Exits 1 when any chain does not verify. Keep the printed head (seq, hash) outside the database: it catches a rewrite since.',
  options: [
    TENANT_OPTION,
    {
      ...JSON_OPTION,
      description:
        'one JSON line per tenant ({tenant_id, ok, checked, first_bad, head, ...}), then a summary',
    },
  ],
  run(args) {
    const tenant = tenantOption(args);
    const json = args.options.has('json');
    return withCliContext(async ({ config, db }) => {
      const seal = createVerifiedPointSeal(config.encryptionKey);
      await db.withOwner((q) => assertSeesEveryTenant(q, 'verify-audit'));
      const tenants = tenant === undefined ? await db.withOwner((q) => auditTenants(q)) : [tenant];
      const failed: string[] = [];
      let checked = 0;
      for (const tenantId of tenants) {
        const result = await db.withOwner((q) =>
          verifyAndRecordPoint({ read: q, write: (work) => work(q) }, tenantId, { seal }),
        );
        checked += result.checked;
        if (!result.ok) failed.push(tenantId);
        if (json) printJson({ tenant_id: tenantId, ...result });
        else {
          const head =
            result.head === null ? 'no records' : `head seq ${result.head.seq} hash ${result.head.hash}`;
          process.stdout.write(
            result.ok
              ? `tenant ${tenantId}: ok, ${result.checked} record(s) checked, ${head}\n`
              : `tenant ${tenantId}: FAILED at record ${result.first_bad} (${result.reason ?? result.point_rejected ?? 'broken'}), ${head}\n`,
          );
        }
      }
      if (tenant === undefined) {
        const summary = { ok: failed.length === 0, tenants: tenants.length, checked, failed_tenants: failed };
        if (json) printJson(summary);
        else {
          process.stdout.write(
            summary.ok
              ? `all ${tenants.length} tenant chain(s) verify (${checked} record(s) checked)\n`
              : `${failed.length} of ${tenants.length} tenant chain(s) do NOT verify: ${failed.join(', ')}\n`,
          );
        }
      }
      return failed.length === 0 ? 0 : 1;
    });
  },
};
