// `tradewise verify-audit [--tenant <id>]`: recomputes the audit hash chain of one tenant or of
// every tenant, offline, as the database owner: always the full walk from the first retained
// record, checking each tenant's signed verified point on the way, and storing a new one for an
// intact chain (the service's incremental verification then starts there). Prints one JSON line
// per tenant ({tenant_id, ok, checked, first_bad, reason?, checkpoint_seq, head, mode,
// verified_from, point_rejected?}) and, for all tenants, a summary line; exits 1 when any chain
// fails. The printed head (seq, hash) is worth keeping outside the database too: a point signed
// with the service's ENCRYPTION_KEY catches a rewrite since the last verification, the kept head
// one since you kept it.
import { verifyAndRecordPoint } from '../../features/audit/audit-verify.ts';
import { auditTenants } from '../../features/audit/retention.repository.ts';
import { createVerifiedPointSeal } from '../../features/audit/verified-point.ts';
import { assertSeesEveryTenant, isUuid } from '../../platform/db/index.ts';
import type { Command } from '../context.ts';
import { parseArgs, withCliContext } from '../context.ts';

export const verifyAuditCommand: Command = {
  summary: 'verify the audit hash chain: verify-audit [--tenant <id>]',
  run: (args) => {
    const tenant = parseArgs(args).options.get('tenant');
    if (tenant !== undefined && !isUuid(tenant)) {
      process.stderr.write('usage: tradewise verify-audit [--tenant <tenant uuid>]\n');
      return Promise.resolve(64);
    }
    return withCliContext(async ({ config, db }) => {
      const seal = createVerifiedPointSeal(config.encryptionKey);
      await db.withOwner((q) => assertSeesEveryTenant(q, 'verify-audit'));
      const tenants =
        tenant === undefined ? await db.withOwner((q) => auditTenants(q)) : [tenant.toLowerCase()];
      const failed: string[] = [];
      let checked = 0;
      for (const tenantId of tenants) {
        const result = await db.withOwner((q) =>
          verifyAndRecordPoint({ read: q, write: (work) => work(q) }, tenantId, { seal }),
        );
        checked += result.checked;
        if (!result.ok) failed.push(tenantId);
        process.stdout.write(`${JSON.stringify({ tenant_id: tenantId, ...result })}\n`);
      }
      if (tenant === undefined) {
        const summary = { ok: failed.length === 0, tenants: tenants.length, checked, failed_tenants: failed };
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      }
      return failed.length === 0 ? 0 : 1;
    });
  },
};
