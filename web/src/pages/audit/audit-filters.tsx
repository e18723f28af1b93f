// The audit log's filters: actor e-mail, action, resource type, request id and a time window,
// edited here and applied to the URL's query (setQuery), which is what the list reads.
import type { FormEvent } from 'react';
import { useState } from 'react';
import { setQuery, useLocation } from '../../router.tsx';
import { fieldErrors, TextField } from '../../ui/field.tsx';
import { fromLocalInput, param, toLocalInput } from './listing.tsx';

export const AUDIT_FILTER_FIELDS = [
  'actor_email',
  'action',
  'resource_type',
  'request_id',
  'since',
  'until',
] as const;
const FIELDS = AUDIT_FILTER_FIELDS;
export type AuditFilters = Partial<Record<(typeof FIELDS)[number], string>>;

/** The filters the URL holds (an empty value is no filter). */
export function auditFiltersOf(query: URLSearchParams): AuditFilters {
  return Object.fromEntries(FIELDS.map((field) => [field, param(query, field)]));
}

export function AuditFilterForm(props: { applied: AuditFilters; error: unknown }) {
  const { applied } = props;
  const [draft, setDraft] = useState(() => ({
    actor_email: applied.actor_email ?? '',
    action: applied.action ?? '',
    resource_type: applied.resource_type ?? '',
    request_id: applied.request_id ?? '',
    since: toLocalInput(applied.since),
    until: toLocalInput(applied.until),
  }));
  const [invalid, setInvalid] = useState<Partial<Record<'since' | 'until', string[]>>>({});
  const errors = fieldErrors(props.error, FIELDS);
  const set = (field: keyof typeof draft) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [field]: event.target.value }));
  const { query } = useLocation();

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const since = fromLocalInput(draft.since);
    const until = fromLocalInput(draft.until);
    const bad = {
      ...(since === null ? { since: ['Enter a date and time.'] } : {}),
      ...(until === null ? { until: ['Enter a date and time.'] } : {}),
    };
    setInvalid(bad);
    if (since === null || until === null) return;
    setQuery({
      actor_email: draft.actor_email.trim(),
      action: draft.action.trim(),
      resource_type: draft.resource_type.trim(),
      request_id: draft.request_id.trim(),
      since,
      until,
      limit: param(query, 'limit'),
    });
  };
  const clear = () => {
    setDraft({ actor_email: '', action: '', resource_type: '', request_id: '', since: '', until: '' });
    setInvalid({});
    setQuery({ limit: param(query, 'limit') });
  };

  return (
    <form className="card" aria-label="Filter the audit log" onSubmit={apply} noValidate>
      <div className="filters filters-top">
        <TextField
          label="Actor e-mail"
          type="email"
          value={draft.actor_email}
          onChange={set('actor_email')}
          errors={errors.byField.actor_email}
        />
        <TextField
          label="Action"
          value={draft.action}
          onChange={set('action')}
          hint="For example bot.create"
          errors={errors.byField.action}
        />
        <TextField
          label="Resource type"
          value={draft.resource_type}
          onChange={set('resource_type')}
          hint="For example bot"
          errors={errors.byField.resource_type}
        />
        <TextField
          label="Request id"
          value={draft.request_id}
          onChange={set('request_id')}
          errors={errors.byField.request_id}
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
