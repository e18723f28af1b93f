// Recomputes one tenant's audit chain and says whether it is intact and, if not, where it first
// breaks. Used by GET /admin/audit-log/verify (runtime role, the admin's own tenant) and by
// `tradewise verify-audit` (owner, any tenant).
//
// What is detected: a changed field (the record's hash no longer matches its content), a deleted
// or reordered record (a gap in seq, or a prev_hash that is not the previous record's hash),
// records removed from the end (the chain head says more records exist), and a record inserted
// around the chain (beyond the head). The chain proves
// integrity against anyone who cannot also rewrite every later hash and the head; against a
// database owner who can, compare the reported head with a copy kept elsewhere (the command line
// prints it for that purpose).
import type { Queryable } from '../../platform/db/index.ts';
import { chainHead, chainPage, latestCheckpoint, toChainedRecord } from './audit.repository.ts';
import { auditHash, GENESIS_HASH } from './audit-chain.ts';

export type ChainBreak =
  | 'hash_mismatch'
  | 'broken_link'
  | 'sequence_gap'
  | 'missing_records'
  | 'record_beyond_head';

export interface VerifyResult {
  ok: boolean;
  /** Records recomputed. */
  checked: number;
  /** seq of the first record that fails (for missing records: the first missing seq); null when ok. */
  first_bad: number | null;
  reason?: ChainBreak;
  /** The retention checkpoint verification started from, if records were purged. */
  checkpoint_seq: number | null;
  /** The chain head as stored: keep a copy elsewhere to detect a wholesale rewrite. */
  head: { seq: number; hash: string } | null;
}

const PAGE = 1_000;

export async function verifyAuditChain(q: Queryable, tenantId: string): Promise<VerifyResult> {
  const result = await verifyOnce(q, tenantId);
  if (result.ok) return result;
  // The statements above need not share one snapshot (reads run each in its own transaction), so
  // a purge that ran meanwhile can look like deleted records. It leaves a newer checkpoint: then
  // the verdict is retaken from it, once (purges are rare; a second one in a row is not likely).
  const checkpoint = await latestCheckpoint(q, tenantId);
  const now = checkpoint ? Number(checkpoint.seq) : null;
  return now === result.checkpoint_seq ? result : verifyOnce(q, tenantId);
}

async function verifyOnce(q: Queryable, tenantId: string): Promise<VerifyResult> {
  // The head first: records up to it are committed (a writer commits its record and the head
  // together), and records appended while this runs are beyond it and left for the next run.
  const head = await chainHead(q, tenantId);
  const checkpoint = await latestCheckpoint(q, tenantId);
  const headView = head ? { seq: Number(head.last_seq), hash: head.last_hash } : null;
  const base = { checkpoint_seq: checkpoint ? Number(checkpoint.seq) : null, head: headView };
  let expectedSeq = checkpoint ? Number(checkpoint.seq) + 1 : 1;
  let prevHash = checkpoint?.hash ?? GENESIS_HASH;
  let checked = 0;
  const fail = (seq: number, reason: ChainBreak): VerifyResult => ({
    ok: false,
    checked,
    first_bad: seq,
    reason,
    ...base,
  });

  if (headView === null) {
    // No record was ever appended, unless someone deleted the head row: then records say otherwise.
    const stray = await chainPage(q, tenantId, { afterSeq: 0, untilSeq: Number.MAX_SAFE_INTEGER, limit: 1 });
    if (stray[0] !== undefined) return fail(Number(stray[0].seq), 'missing_records');
    return { ok: true, checked, first_bad: null, ...base };
  }

  for (;;) {
    const rows = await chainPage(q, tenantId, {
      afterSeq: expectedSeq - 1,
      untilSeq: headView.seq,
      limit: PAGE,
    });
    for (const row of rows) {
      const record = toChainedRecord(row);
      if (record.seq !== expectedSeq) return fail(expectedSeq, 'sequence_gap');
      if (row.prev_hash !== prevHash) return fail(record.seq, 'broken_link');
      if (auditHash(record, prevHash) !== row.hash) return fail(record.seq, 'hash_mismatch');
      prevHash = row.hash;
      expectedSeq++;
      checked++;
    }
    if (rows.length < PAGE) break;
  }
  if (expectedSeq - 1 !== headView.seq) return fail(expectedSeq, 'missing_records');
  if (head?.first_beyond != null) return fail(Number(head.first_beyond), 'record_beyond_head');
  if (prevHash !== headView.hash) return fail(headView.seq, 'broken_link');
  return { ok: true, checked, first_bad: null, ...base };
}
