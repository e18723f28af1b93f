// The tenant's bots: the list (searched by name, filtered by kind and status, the filters kept in
// the URL so a reload or a shared link shows the same list), and the bot pages in pages/bots/.
import type { FormEvent } from 'react';
import { useEffect, useState } from 'react';
import { api, call } from '../api/client.ts';
import type { Bot, Query } from '../api/types.ts';
import { Link, setQuery, useLocation, usePageTitle } from '../router.tsx';
import { usePaged } from '../ui/data.ts';
import { EmptyState, ErrorNotice, Notice } from '../ui/feedback.tsx';
import { fieldErrors, formLevelError, SelectField, TextField } from '../ui/field.tsx';
import { clearFlash, peekFlash } from '../ui/flash.ts';
import { Time } from '../ui/format.tsx';
import { Pager } from '../ui/pager.tsx';
import { KIND_OPTIONS, kindLabel, STATUS_OPTIONS, statusLabel } from './bots/labels.ts';

export { BotDetailPage } from './bots/bot-detail.tsx';
export { BotNewPage } from './bots/bot-new.tsx';

type BotQuery = Query<'/api/v1/bots', 'get'>;

const FILTERS = ['q', 'kind', 'status'] as const;

/** The filters in the URL; an unknown kind or status is passed on, and the API's 422 says so. */
function filtersOf(query: URLSearchParams): { q: string; kind: string; status: string } {
  return { q: query.get('q') ?? '', kind: query.get('kind') ?? '', status: query.get('status') ?? '' };
}

export function BotsPage() {
  usePageTitle('Bots');
  const { query } = useLocation();
  const filters = filtersOf(query);
  const [search, setSearch] = useState(filters.q);
  const [message] = useState(peekFlash);
  useEffect(() => clearFlash(), []);
  const filtered = filters.q !== '' || filters.kind !== '' || filters.status !== '';

  const paged = usePaged<Bot>(
    (cursor) => {
      const params: BotQuery = {
        ...(cursor === undefined ? {} : { cursor }),
        ...(filters.q === '' ? {} : { q: filters.q }),
        ...(filters.kind === '' ? {} : { kind: filters.kind as BotQuery['kind'] }),
        ...(filters.status === '' ? {} : { status: filters.status as BotQuery['status'] }),
        limit: 20,
      };
      return call(api.GET('/api/v1/bots', { params: { query: params } }));
    },
    [filters.q, filters.kind, filters.status],
  );
  const errors = fieldErrors(paged.error, FILTERS);
  const apply = (changes: Partial<typeof filters>) => setQuery({ ...filters, ...changes });
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    apply({ q: search.trim() });
  };
  const items = paged.data?.items ?? [];

  return (
    <div className="page">
      <div className="page-head">
        <h1>Bots</h1>
        <Link to="/bots/new" className="button-primary link-button">
          New bot
        </Link>
      </div>
      {message !== undefined && <Notice>{message}</Notice>}
      <form className="filters" onSubmit={submitSearch} aria-label="Search and filter bots">
        <TextField
          label="Search by name"
          type="search"
          name="q"
          maxLength={100}
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          errors={errors.byField.q}
        />
        <SelectField
          label="Kind"
          name="kind"
          value={filters.kind}
          onChange={(event) => apply({ kind: event.target.value })}
          options={[{ value: '', label: 'Any kind' }, ...KIND_OPTIONS]}
          errors={errors.byField.kind}
        />
        <SelectField
          label="Status"
          name="status"
          value={filters.status}
          onChange={(event) => apply({ status: event.target.value })}
          options={[{ value: '', label: 'Any status' }, ...STATUS_OPTIONS]}
          errors={errors.byField.status}
        />
        <div className="actions filters-actions">
          <button type="submit" className="button-secondary">
            Search
          </button>
          {filtered && (
            <button
              type="button"
              className="button-link"
              onClick={() => {
                setSearch('');
                setQuery({});
              }}
            >
              Clear filters
            </button>
          )}
        </div>
      </form>
      <ErrorNotice error={formLevelError(paged.error, FILTERS)} retry={paged.reload} />
      {paged.data !== undefined && items.length === 0 && paged.pageNumber === 1 && (
        <EmptyState title={filtered ? 'No bot matches the filters' : 'No bots yet'}>
          {filtered ? (
            <p>Change the search or the filters, or clear them to see every bot.</p>
          ) : (
            <p>
              <Link to="/bots/new">Create your first bot</Link>: an internal one, or your own external bot at
              its API URL.
            </p>
          )}
        </EmptyState>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Your tenant's bots</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Exchange</th>
                <th scope="col">Strategy</th>
                <th scope="col">Status</th>
                <th scope="col">API token</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((bot) => (
                <tr key={bot.id}>
                  <td className="wrap">
                    <Link to={`/bots/${encodeURIComponent(bot.id)}`}>{bot.name}</Link>
                  </td>
                  <td>{kindLabel(bot.kind)}</td>
                  <td className="wrap">{bot.exchange}</td>
                  <td className="wrap">{bot.strategy}</td>
                  <td>
                    <span className="tag">{statusLabel(bot.status)}</span>
                  </td>
                  <td>{bot.has_api_token ? 'Stored' : 'None'}</td>
                  <td>
                    <Time iso={bot.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager paged={paged} label="Bots" />
    </div>
  );
}
