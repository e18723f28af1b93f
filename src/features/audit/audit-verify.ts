// Recomputes one tenant's audit chain and says whether it is intact and, if not, where it first
// breaks. Used by GET /admin/audit-log/verify (runtime role, the admin's own tenant, incremental),
// GET /ops/audit-log/verify (operators, any tenant, full) and `tradewise verify-audit` (owner, any
// tenant, full).
//
// What is detected: a changed field (the record's hash no longer matches its content), a deleted
// or reordered record (a gap in seq, or a prev_hash that is not the previous record's hash),
// records removed from the end (the chain head says more records exist), and a record inserted
// around the chain (beyond the head). The chain proves integrity against anyone who cannot also
// rewrite every later hash and the head; against a database owner who can, the signed verified
// point (verified-point.ts) is the copy kept elsewhere: its key is not in the database, so a
// history rewritten, or cut back, since the last verification no longer ends where the point says.
//
// Incremental verification (issue 14, item 8): rehashing a million records takes seconds, so the
// admin's call starts from the tenant's signed verified point instead of the first record: the
// verified record itself is rehashed and must still have the signed hash, then every record after
// it is checked. It costs what was appended since, and vouches for the records before the point as
// they were when the point was made; a change made since to a record before the point is found by
// the full walk, which operators and the command line run and which checks the point as it passes.
// A point whose signature does not verify is ignored (reported as point_rejected) and the whole
// chain is walked.
import type { Database, Queryable } from '../../platform/db/index.ts';
import { chainHead, chainPage, latestCheckpoint, toChainedRecord } from './audit.repository.ts';
import { auditHash, GENESIS_HASH } from './audit-chain.ts';
import type { SignedVerifiedPoint, VerifiedPointSeal } from './verified-point.ts';
import { readVerifiedPoint, saveVerifiedPoint } from './verified-points.repository.ts';

export type ChainBreak =
  | 'hash_mismatch'
  | 'broken_link'
  | 'sequence_gap'
  | 'missing_records'
  | 'record_beyond_head'
  | 'verified_point_mismatch';

export interface VerifyResult {
  ok: boolean;
  /** Records verified by this call (in incremental mode, those after the verified point). */
  checked: number;
  /** seq of the first record that fails (for missing records: the first missing seq); null when ok. */
  first_bad: number | null;
  reason?: ChainBreak;
  /** The retention checkpoint verification started from, if records were purged. */
  checkpoint_seq: number | null;
  /** The chain head as stored: keep a copy elsewhere to detect a wholesale rewrite. */
  head: { seq: number; hash: string } | null;
  mode: 'full' | 'incremental';
  /** The signed verified point an incremental walk started from. */
  verified_from: number | null;
  point_rejected?: 'bad_signature';
}

export interface VerifyOptions {
  /** Start from the signed verified point, when there is a usable one. */
  incremental?: boolean;
  /** Checks the stored verified point (both modes); without it, points are neither read nor trusted. */
  seal?: VerifiedPointSeal;
}

const PAGE = 1_000;

export async function verifyAuditChain(
  q: Queryable,
  tenantId: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const result = await verifyOnce(q, tenantId, options);
  if (result.ok) return result;
  // The statements above need not share one snapshot (reads run each in its own transaction), so
  // a purge that ran meanwhile can look like deleted records. It leaves a newer checkpoint: then
  // the verdict is retaken from it, once (purges are rare; a second one in a row is not likely).
  const checkpoint = await latestCheckpoint(q, tenantId);
  const now = checkpoint ? Number(checkpoint.seq) : null;
  return now === result.checkpoint_seq ? result : verifyOnce(q, tenantId, options);
}

async function verifyOnce(q: Queryable, tenantId: string, options: VerifyOptions): Promise<VerifyResult> {
  // The point before the head: a point is written only for a head that was committed, and heads
  // only grow, so the head read next is at or beyond any genuine point read here.
  const stored = options.seal ? await readVerifiedPoint(q, tenantId) : undefined;
  // The head next: records up to it are committed (a writer commits its record and the head
  // together), and records appended while this runs are beyond it and left for the next run.
  const head = await chainHead(q, tenantId);
  const checkpoint = await latestCheckpoint(q, tenantId);
  const headView = head ? { seq: Number(head.last_seq), hash: head.last_hash } : null;
  const retainedFrom = checkpoint ? Number(checkpoint.seq) : 0;
  const trusted = stored !== undefined && options.seal?.check(stored) === true ? stored : undefined;
  // A point within the purged prefix can no longer be compared with anything.
  const point = trusted !== undefined && trusted.seq > retainedFrom ? trusted : undefined;
  const incremental = options.incremental === true && point !== undefined;
  const base = {
    checkpoint_seq: checkpoint ? Number(checkpoint.seq) : null,
    head: headView,
    mode: incremental ? ('incremental' as const) : ('full' as const),
    verified_from: incremental ? (point?.seq ?? null) : null,
    ...(stored !== undefined && trusted === undefined ? { point_rejected: 'bad_signature' as const } : {}),
  };
  let checked = 0;
  const fail = (seq: number, reason: ChainBreak): VerifyResult => ({
    ok: false,
    checked,
    first_bad: seq,
    reason,
    ...base,
  });

  if (headView === null) {
    // No record was ever appended, unless someone deleted the head row: then records (or the
    // signed point) say otherwise.
    const stray = await chainPage(q, tenantId, { afterSeq: 0, untilSeq: Number.MAX_SAFE_INTEGER, limit: 1 });
    if (stray[0] !== undefined) return fail(Number(stray[0].seq), 'missing_records');
    if (point !== undefined) return fail(retainedFrom + 1, 'missing_records');
    return { ok: true, checked, first_bad: null, ...base };
  }
  // Records verified before were cut off the end, and the head moved back with them.
  if (point !== undefined && point.seq > headView.seq) return fail(headView.seq + 1, 'missing_records');

  let expectedSeq = retainedFrom + 1;
  let prevHash = checkpoint?.hash ?? GENESIS_HASH;
  if (incremental && point !== undefined) {
    const anchor = await checkAnchor(q, tenantId, point);
    if (anchor !== undefined) return fail(point.seq, anchor);
    expectedSeq = point.seq + 1;
    prevHash = point.hash;
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
      if (point !== undefined && record.seq === point.seq && row.hash !== point.hash) {
        return fail(record.seq, 'verified_point_mismatch');
      }
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

/**
 * The verified record itself, rehashed from its own stored prev_hash: its content and hash must
 * be what the signed point covers (a second preimage of SHA-256 aside, nothing else passes).
 */
async function checkAnchor(
  q: Queryable,
  tenantId: string,
  point: SignedVerifiedPoint,
): Promise<ChainBreak | undefined> {
  const [row] = await chainPage(q, tenantId, { afterSeq: point.seq - 1, untilSeq: point.seq, limit: 1 });
  if (row === undefined) return 'sequence_gap';
  if (auditHash(toChainedRecord(row), row.prev_hash) !== row.hash) return 'hash_mismatch';
  if (row.hash !== point.hash) return 'verified_point_mismatch';
  return undefined;
}

/** Where a verification reads (each statement may be its own transaction) and stores its point. */
export interface ChainStorage {
  read: Queryable;
  write(work: (q: Queryable) => Promise<void>): Promise<void>;
}

/**
 * A tenant's chain through the runtime role: every read its own short READ ONLY transaction, so a
 * long walk takes a connection for one page at a time (the embedded shape has only one, and
 * other requests run between pages); pages are bounded (PAGE records), never the whole chain.
 */
export function tenantChainStorage(db: Database, tenantId: string): ChainStorage {
  return {
    read: {
      query: <Row>(sql: string, params?: readonly unknown[]) =>
        db.withTenant(tenantId, (tx) => tx.query<Row>(sql, params), { readOnly: true }),
    },
    write: (work) => db.withTenant(tenantId, (tx) => work(tx)),
  };
}

/** Verifies, and after an intact result up to a newer head, signs and stores the new point. */
export async function verifyAndRecordPoint(
  storage: ChainStorage,
  tenantId: string,
  options: VerifyOptions & { seal: VerifiedPointSeal },
): Promise<VerifyResult> {
  const result = await verifyAuditChain(storage.read, tenantId, options);
  const unchanged = result.mode === 'incremental' && result.verified_from === result.head?.seq;
  if (result.ok && result.head !== null && !unchanged) {
    const point = options.seal.sign({
      tenantId: tenantId.toLowerCase(),
      seq: result.head.seq,
      hash: result.head.hash,
      verifiedAt: new Date(),
    });
    await storage.write((q) => saveVerifiedPoint(q, point));
  }
  return result;
}
