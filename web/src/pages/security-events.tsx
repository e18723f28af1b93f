// Security events: refusals and detections (failed logins, forged tokens, blocks, throttles...).
// A tenant admin sees the tenant's own (GET /admin/security-events); an operator sees every
// tenant's and those before login (GET /ops/security-events, filtered by tenant too). A user who is
// both gets the operator's view: it holds the tenant's events and more.
import type { FormEvent } from 'react';
import { Fragment, useEffect, useRef, useState } from 'react';
import { api, call } from '../api/client.ts';
import type { OpsSecurityEvent, SecurityEventQuery } from '../api/types.ts';
import { setQuery, useLocation, usePageTitle } from '../router.tsx';
import { useSession } from '../session-context.tsx';
import { usePaged } from '../ui/data.ts';
import { Busy, EmptyState, ErrorNotice } from '../ui/feedback.tsx';
import { fieldErrors, formLevelError, SelectField, TextField } from '../ui/field.tsx';
import { Time } from '../ui/format.tsx';
import { Pager } from '../ui/pager.tsx';
import { fromLocalInput, JsonText, pageSize, param, toLocalInput } from './audit/listing.tsx';

type EventType = NonNullable<SecurityEventQuery['event_type']>;
type Severity = NonNullable<SecurityEventQuery['severity']>;

// Every type the API filters by (a Record over the schema's enum: tsc fails when one is added).
const EVENT_TYPES: Record<EventType, string> = {
  token_expired: 'Token expired',
  token_invalid: 'Token invalid',
  token_revoked: 'Token revoked',
  inactive_user_access: 'Inactive user access',
  login_failed: 'Login failed',
  multiple_failed_logins: 'Multiple failed logins',
  brute_force_detected: 'Brute force detected',
  suspicious_api_usage: 'Suspicious API usage',
  unauthorized_access_attempt: 'Unauthorized access attempt',
  data_exfiltration_attempt: 'Data exfiltration attempt',
  ip_blocked: 'IP blocked',
  rate_limited: 'Rate limited',
  ssrf_blocked: 'SSRF blocked',
  refresh_token_reuse: 'Refresh token reuse',
  user_throttled: 'User throttled',
  alert_failed: 'Alert failed',
};
const SEVERITIES: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low' };

const TYPE_OPTIONS = [
  { value: '', label: 'All types' },
  ...Object.entries(EVENT_TYPES).map(([value, label]) => ({ value, label })),
];
const SEVERITY_OPTIONS = [
  { value: '', label: 'All severities' },
  ...Object.entries(SEVERITIES).map(([value, label]) => ({ value, label })),
];

const FIELDS = ['event_type', 'severity', 'since', 'until', 'tenant_id'] as const;
type Filters = Partial<Record<(typeof FIELDS)[number], string>>;

function typeLabel(type: string): string {
  return EVENT_TYPES[type as EventType] ?? type;
}

function filtersOf(query: URLSearchParams, operator: boolean): Filters {
  const fields = operator ? FIELDS : FIELDS.filter((field) => field !== 'tenant_id');
  return Object.fromEntries(fields.map((field) => [field, param(query, field)]));
}

function FilterForm(props: { applied: Filters; operator: boolean; error: unknown }) {
  const { applied, operator } = props;
  const [draft, setDraft] = useState(() => ({
    event_type: applied.event_type ?? '',
    severity: applied.severity ?? '',
    since: toLocalInput(applied.since),
    until: toLocalInput(applied.until),
    tenant_id: applied.tenant_id ?? '',
  }));
  const [invalid, setInvalid] = useState<Partial<Record<'since' | 'until', string[]>>>({});
  const errors = fieldErrors(props.error, FIELDS);
  const { query } = useLocation();
  const set = (field: keyof typeof draft) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [field]: event.target.value }));

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const since = fromLocalInput(draft.since);
    const until = fromLocalInput(draft.until);
    setInvalid({
      ...(since === null ? { since: ['Enter a date and time.'] } : {}),
      ...(until === null ? { until: ['Enter a date and time.'] } : {}),
    });
    if (since === null || until === null) return;
    setQuery({
      event_type: draft.event_type,
      severity: draft.severity,
      since,
      until,
      tenant_id: operator ? draft.tenant_id.trim() : undefined,
      limit: param(query, 'limit'),
    });
  };
  const clear = () => {
    setDraft({ event_type: '', severity: '', since: '', until: '', tenant_id: '' });
    setInvalid({});
    setQuery({ limit: param(query, 'limit') });
  };

  return (
    <form className="card" aria-label="Filter the security events" onSubmit={apply} noValidate>
      <div className="filters filters-top">
        <SelectField
          label="Type"
          options={TYPE_OPTIONS}
          value={draft.event_type}
          onChange={set('event_type')}
          errors={errors.byField.event_type}
        />
        <SelectField
          label="Severity"
          options={SEVERITY_OPTIONS}
          value={draft.severity}
          onChange={set('severity')}
          errors={errors.byField.severity}
        />
        <TextField
          label="From"
          type="datetime-local"
          value={draft.since}
          onChange={set('since')}
          hint="Your local time; included"
          errors={invalid.since ?? errors.byField.since}
        />
        <TextField
          label="Until"
          type="datetime-local"
          value={draft.until}
          onChange={set('until')}
          hint="Your local time; not included"
          errors={invalid.until ?? errors.byField.until}
        />
        {operator && (
          <TextField
            label="Tenant id"
            value={draft.tenant_id}
            onChange={set('tenant_id')}
            hint="A tenant's UUID"
            className="mono"
            errors={errors.byField.tenant_id}
          />
        )}
      </div>
      <div className="actions">
        <button type="submit" className="button-primary">
          Apply filters
        </button>
        <button type="button" className="button-secondary" onClick={clear}>
          Clear filters
        </button>
      </div>
    </form>
  );
}

function EventDetails(props: { event: OpsSecurityEvent; onClose: () => void }) {
  const { event } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const rows: [string, string | number | null][] = [
    ['Type', typeLabel(event.event_type)],
    ['Severity', event.severity],
    ['Description', event.description],
    ['IP address', event.ip],
    ['User id', event.user_id],
    ['Tenant id', event.tenant_id],
    ['Request id', event.request_id],
    ['Server request id', event.server_request_id],
    ['Occurrences', event.count],
    ['Event id', event.id],
  ];
  return (
    <section className="card" aria-labelledby="event-details">
      <div className="page-head">
        <h2 id="event-details" ref={heading} tabIndex={-1}>
          Security event: {typeLabel(event.event_type)}
        </h2>
        <button type="button" className="button-secondary" onClick={props.onClose}>
          Close details
        </button>
      </div>
      <dl className="details">
        <dt>When</dt>
        <dd>
          <Time iso={event.occurred_at} />
        </dd>
        {rows.map(([label, value]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd className="wrap">{value === null ? '—' : String(value)}</dd>
          </Fragment>
        ))}
      </dl>
      <h3>Details</h3>
      <JsonText value={event.details} />
    </section>
  );
}

export function SecurityEventsPage() {
  usePageTitle('Security events');
  const session = useSession();
  const operator = session.hasRole('operator');
  const { query } = useLocation();
  const filters = filtersOf(query, operator);
  const limit = pageSize(query);
  const paged = usePaged<OpsSecurityEvent>(
    (cursor) => {
      const params = {
        query: {
          ...filters,
          ...(limit === undefined ? {} : { limit }),
          ...(cursor === undefined ? {} : { cursor }),
        } as SecurityEventQuery,
      };
      return operator
        ? call(api.GET('/api/v1/ops/security-events', { params }))
        : call(api.GET('/api/v1/admin/security-events', { params }));
    },
    [filters, limit, operator],
  );
  const [selected, setSelected] = useState<OpsSecurityEvent>();
  const listHeading = useRef<HTMLHeadingElement>(null);
  const close = () => {
    setSelected(undefined);
    listHeading.current?.focus();
  };
  const items = paged.data?.items ?? [];
  const filtered = Object.values(filters).some((value) => value !== undefined);

  return (
    <div className="page">
      <h1>Security events</h1>
      <p>
        {operator
          ? 'Refusals and detections of every tenant, and those before anyone signed in, newest first.'
          : 'Refusals and detections that concern your tenant (failed logins, refused tokens, blocks), newest first.'}
      </p>
      <FilterForm applied={filters} operator={operator} error={paged.error} />
      {selected !== undefined && <EventDetails key={selected.id} event={selected} onClose={close} />}
      <h2 ref={listHeading} tabIndex={-1}>
        Events
      </h2>
      <ErrorNotice error={formLevelError(paged.error, FIELDS)} retry={paged.reload} />
      {paged.loading && paged.data === undefined && <Busy label="Loading the security events…" />}
      {paged.data !== undefined && items.length === 0 && (
        <EmptyState title={filtered ? 'No event matches these filters.' : 'No security events yet.'}>
          <p>
            {filtered
              ? 'Widen the time window or clear the filters.'
              : 'Failed logins, refused tokens and blocked addresses appear here when they happen.'}
          </p>
        </EmptyState>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Security events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Severity</th>
                <th scope="col">Description</th>
                <th scope="col">IP address</th>
                {operator && <th scope="col">Tenant</th>}
                <th scope="col">Count</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((event) => (
                <tr key={event.id}>
                  <td>
                    <Time iso={event.occurred_at} />
                  </td>
                  <td className="token">{typeLabel(event.event_type)}</td>
                  <td>
                    <span className={event.severity === 'high' ? 'tag tag-high' : 'tag'}>
                      {event.severity}
                    </span>
                  </td>
                  <td className="wrap">{event.description ?? '—'}</td>
                  <td className="mono">{event.ip ?? '—'}</td>
                  {operator && <td className="mono">{event.tenant_id ?? 'none (before login)'}</td>}
                  <td>{event.count}</td>
                  <td>
                    <button
                      type="button"
                      className="button-link"
                      aria-label={`Show details of ${typeLabel(event.event_type)} at ${event.occurred_at}`}
                      onClick={() => setSelected(event)}
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
      <Pager paged={paged} label="Security events" />
    </div>
  );
}
