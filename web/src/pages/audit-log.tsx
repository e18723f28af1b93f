// The tenant's audit trail (admins; app.tsx guards the route): newest first, filtered by actor,
// action, resource type, request id and time window (kept in the URL, so a reload or a shared link
// shows the same list), one record's every field, and the incremental chain verification.
import { Fragment, useEffect, useRef, useState } from 'react';
import { api, call } from '../api/client.ts';
import type { AuditQuery, AuditRecord, AuditVerification } from '../api/types.ts';
import { useLocation, usePageTitle } from '../router.tsx';
import { usePaged } from '../ui/data.ts';
import { Busy, EmptyState, ErrorNotice, Notice } from '../ui/feedback.tsx';
import { formLevelError } from '../ui/field.tsx';
import { Time } from '../ui/format.tsx';
import { Pager } from '../ui/pager.tsx';
import { AUDIT_FILTER_FIELDS, AuditFilterForm, auditFiltersOf } from './audit/audit-filters.tsx';
import { JsonText, pageSize } from './audit/listing.tsx';

/** The record with this seq, looked for page by page from the newest (the API has no lookup by seq). */
async function findRecord(seq: number): Promise<AuditRecord | undefined> {
  let cursor: string | undefined;
  for (;;) {
    const query: AuditQuery = { limit: 100, ...(cursor === undefined ? {} : { cursor }) };
    const page = await call(api.GET('/api/v1/admin/audit-log', { params: { query } }));
    const found = page.items.find((record) => record.seq === seq);
    const last = page.items[page.items.length - 1];
    if (found !== undefined) return found;
    // Newest first: once past `seq` it is not further on (retention may have purged it).
    if (page.next_cursor === null || last === undefined || last.seq < seq) return undefined;
    cursor = page.next_cursor;
  }
}

function RecordDetails(props: { record: AuditRecord; onClose: () => void }) {
  const { record } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  // The details replace nothing on screen: focus goes to them, so keyboard and screen-reader users
  // land where the content appeared.
  useEffect(() => heading.current?.focus(), []);
  const rows: [string, string | number | null][] = [
    ['Sequence', record.seq],
    ['Actor user id', record.actor_user_id],
    ['Actor e-mail', record.actor_email],
    ['IP address', record.ip],
    ['Method', record.method],
    ['Route', record.route],
    ['Path', record.path],
    ['Status', record.status],
    ['Request id', record.request_id],
    ['Server request id', record.server_request_id],
    ['Action', record.action],
    ['Resource type', record.resource_type],
    ['Resource id', record.resource_id],
    ['Previous hash', record.prev_hash],
    ['Hash', record.hash],
  ];
  return (
    <section className="card" aria-labelledby={`record-${record.seq}`}>
      <div className="page-head">
        <h2 id={`record-${record.seq}`} ref={heading} tabIndex={-1}>
          Audit record {record.seq}
        </h2>
        <button type="button" className="button-secondary" onClick={props.onClose}>
          Close details
        </button>
      </div>
      <dl className="details">
        <dt>When</dt>
        <dd>
          <Time iso={record.occurred_at} />
        </dd>
        {rows.map(([label, value]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd className="mono">{value === null ? '—' : String(value)}</dd>
          </Fragment>
        ))}
      </dl>
      <h3>Changes</h3>
      <JsonText value={record.changes} />
    </section>
  );
}

function VerifyChain(props: { onOpen: (seq: number) => void }) {
  const [state, setState] = useState<{ running: boolean; result?: AuditVerification; error?: unknown }>({
    running: false,
  });
  const verify = async () => {
    setState({ running: true });
    try {
      setState({ running: false, result: await call(api.GET('/api/v1/admin/audit-log/verify')) });
    } catch (error) {
      setState({ running: false, error });
    }
  };
  const { result } = state;
  return (
    <section className="card" aria-labelledby="verify-heading">
      <h2 id="verify-heading">Chain verification</h2>
      <p>
        Each record holds the hash of the one before it. Verifying checks the records added since the last
        verification; a record changed or removed since breaks the chain.
      </p>
      <button
        type="button"
        className="button-secondary"
        onClick={() => void verify()}
        disabled={state.running}
      >
        Verify chain
      </button>
      {state.running && <Busy label="Verifying the audit chain…" />}
      <ErrorNotice error={state.error} retry={() => void verify()} />
      {result?.ok === true && (
        <Notice>
          <p>
            The chain is intact: {result.checked} {result.checked === 1 ? 'record' : 'records'} checked
            {result.head === null ? '.' : `, up to record ${result.head.seq}.`}
          </p>
        </Notice>
      )}
      {result?.ok === false && (
        <div className="notice notice-error" role="alert">
          <p>
            The chain is broken
            {result.first_bad === null ? '' : ` at record ${result.first_bad}`}
            {result.reason === undefined ? '' : ` (${result.reason})`}. {result.checked}{' '}
            {result.checked === 1 ? 'record' : 'records'} checked.
          </p>
          {result.point_rejected === 'bad_signature' && (
            <p>The stored verified point failed its signature check and was ignored.</p>
          )}
          {result.first_bad !== null && (
            <button
              type="button"
              className="button-secondary"
              onClick={() => props.onOpen(result.first_bad as number)}
            >
              Open record {result.first_bad}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

export function AuditLogPage() {
  usePageTitle('Audit log');
  const { query } = useLocation();
  const filters = auditFiltersOf(query);
  const limit = pageSize(query);
  const paged = usePaged(
    (cursor) =>
      call(
        api.GET('/api/v1/admin/audit-log', {
          params: {
            query: {
              ...filters,
              ...(limit === undefined ? {} : { limit }),
              ...(cursor === undefined ? {} : { cursor }),
            } as AuditQuery,
          },
        }),
      ),
    [filters, limit],
  );
  const [selected, setSelected] = useState<AuditRecord>();
  const [lookup, setLookup] = useState<{ seq: number; running: boolean; error?: unknown }>();
  const listHeading = useRef<HTMLHeadingElement>(null);

  const open = async (seq: number) => {
    setSelected(undefined);
    setLookup({ seq, running: true });
    try {
      const found = paged.data?.items.find((record) => record.seq === seq) ?? (await findRecord(seq));
      setLookup(found === undefined ? { seq, running: false } : undefined);
      setSelected(found);
    } catch (error) {
      setLookup({ seq, running: false, error });
    }
  };
  const close = () => {
    setSelected(undefined);
    listHeading.current?.focus();
  };
  const items = paged.data?.items ?? [];
  const filtered = Object.values(filters).some((value) => value !== undefined);

  return (
    <div className="page">
      <h1>Audit log</h1>
      <p>Every change made in your tenant, newest first: who made it, from where, and what changed.</p>
      <AuditFilterForm applied={filters} error={paged.error} />
      <VerifyChain onOpen={(seq) => void open(seq)} />
      {lookup?.running === true && <Busy label={`Looking for record ${lookup.seq}…`} />}
      {lookup !== undefined && !lookup.running && lookup.error === undefined && (
        <div className="notice notice-error" role="alert">
          <p>Record {lookup.seq} is no longer in the audit log (it may be past retention).</p>
        </div>
      )}
      <ErrorNotice error={lookup?.error} />
      {selected !== undefined && <RecordDetails key={selected.seq} record={selected} onClose={close} />}
      <h2 ref={listHeading} tabIndex={-1}>
        Records
      </h2>
      <ErrorNotice error={formLevelError(paged.error, AUDIT_FILTER_FIELDS)} retry={paged.reload} />
      {paged.loading && paged.data === undefined && <Busy label="Loading the audit log…" />}
      {paged.data !== undefined && items.length === 0 && (
        <EmptyState title={filtered ? 'No record matches these filters.' : 'No records yet.'}>
          <p>
            {filtered
              ? 'Widen the time window or clear the filters.'
              : 'Changes made in your tenant (bots, users, settings) appear here.'}
          </p>
        </EmptyState>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Audit records, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Status</th>
                <th scope="col">Request id</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((record) => (
                <tr key={record.seq}>
                  <td>
                    <Time iso={record.occurred_at} />
                  </td>
                  <td className="wrap">{record.actor_email ?? '—'}</td>
                  <td className="token">{record.action}</td>
                  <td className="wrap">
                    {record.resource_type ?? '—'}
                    {record.resource_id !== null && <span className="mono"> {record.resource_id}</span>}
                  </td>
                  <td>{record.status}</td>
                  <td className="mono">{record.request_id}</td>
                  <td>
                    <button
                      type="button"
                      className="button-link"
                      aria-label={`Show details of record ${record.seq}`}
                      onClick={() => void open(record.seq)}
                    >
                      Show
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager paged={paged} label="Audit log" />
    </div>
  );
}
