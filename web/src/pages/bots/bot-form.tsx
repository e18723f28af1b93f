// The bot form, for creating (POST /bots) and editing (PATCH /bots/{id}: only the fields that
// changed, so a concurrent edit of another field is not overwritten with what this page loaded).
// The API token is write-only (CONTRACT.md "Bots"): its input is uncontrolled, so the typed value
// never becomes a React value attribute in the DOM, it is read once at submit, and the input is
// emptied after a save; the stored token is only ever described ("Token stored"), never shown.
import type { FormEvent } from 'react';
import { useRef, useState } from 'react';
import { api, call } from '../../api/client.ts';
import type { Bot, BotChanges, BotInput, ConnectionResult as Result } from '../../api/types.ts';
import { ConfirmButton } from '../../ui/confirm.tsx';
import { Busy, ErrorNotice, Notice } from '../../ui/feedback.tsx';
import { fieldErrors, formLevelError, SelectField, TextField } from '../../ui/field.tsx';
import { ConnectionResult } from './connection-result.tsx';
import { KIND_OPTIONS, STATUS_OPTIONS } from './labels.ts';

export const BOT_FIELDS = ['name', 'kind', 'exchange', 'strategy', 'status', 'api_url', 'api_token'] as const;

interface Values {
  name: string;
  kind: Bot['kind'];
  exchange: string;
  strategy: string;
  status: Bot['status'];
  api_url: string;
}

function valuesOf(bot: Bot | undefined): Values {
  return {
    name: bot?.name ?? '',
    kind: bot?.kind ?? 'internal',
    exchange: bot?.exchange ?? '',
    strategy: bot?.strategy ?? '',
    status: bot?.status ?? 'stopped',
    api_url: bot?.api_url ?? '',
  };
}

/** The PATCH body: the fields whose value differs from the stored bot's (an empty URL is none). */
function changesOf(bot: Bot, values: Values, token: string): BotChanges {
  const changes: BotChanges = {};
  if (values.name !== bot.name) changes.name = values.name;
  if (values.kind !== bot.kind) changes.kind = values.kind;
  if (values.exchange !== bot.exchange) changes.exchange = values.exchange;
  if (values.strategy !== bot.strategy) changes.strategy = values.strategy;
  if (values.status !== bot.status) changes.status = values.status;
  const url = values.api_url.trim() === '' ? null : values.api_url;
  if (url !== bot.api_url) changes.api_url = url;
  if (token !== '') changes.api_token = token;
  return changes;
}

type Action = 'save' | 'test' | 'clear-token';

export function BotForm(props: {
  /** The stored bot when editing; absent on the create form. */
  bot?: Bot;
  /** Called with the bot the API answered after a create or an edit. */
  onSaved: (bot: Bot, message: string) => void;
  /** Issues placed on fields from elsewhere (the stored bot's connection test: loc bot.api_url). */
  extraErrors?: Record<string, string[]>;
}) {
  const { bot } = props;
  const editing = bot !== undefined;
  const [values, setValues] = useState<Values>(() => valuesOf(bot));
  const [error, setError] = useState<{ action: Action; error: unknown }>();
  const [busy, setBusy] = useState<Action>();
  const [saved, setSaved] = useState<string>();
  const [result, setResult] = useState<Result>();
  const form = useRef<HTMLFormElement>(null);
  const errors = fieldErrors(error?.error, BOT_FIELDS);
  const errorsOf = (field: (typeof BOT_FIELDS)[number]) => {
    const all = [...(errors.byField[field] ?? []), ...(props.extraErrors?.[field] ?? [])];
    return all.length > 0 ? all : undefined;
  };
  const notice = (action: Action) =>
    error?.action === action ? <ErrorNotice error={formLevelError(error.error, BOT_FIELDS)} /> : null;
  const set = (field: keyof Values) => (event: { target: { value: string } }) =>
    setValues((current) => ({ ...current, [field]: event.target.value }));

  const typedToken = () => String(new FormData(form.current ?? undefined).get('api_token') ?? '');
  const forgetToken = () => {
    const input = form.current?.elements.namedItem('api_token');
    if (input instanceof HTMLInputElement) input.value = '';
  };

  const run = async (action: Action, work: () => Promise<void>) => {
    setBusy(action);
    setError(undefined);
    setSaved(undefined);
    if (action === 'test') setResult(undefined);
    try {
      await work();
    } catch (caught) {
      setError({ action, error: caught });
    } finally {
      setBusy(undefined);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run('save', async () => {
      const token = typedToken();
      const url = values.api_url.trim() === '' ? undefined : values.api_url;
      if (!editing) {
        const body: BotInput = {
          name: values.name,
          kind: values.kind,
          exchange: values.exchange,
          strategy: values.strategy,
          ...(url === undefined ? {} : { api_url: url }),
          ...(token === '' ? {} : { api_token: token }),
        };
        const created = await call(api.POST('/api/v1/bots', { body }));
        forgetToken();
        props.onSaved(created, `Bot “${created.name}” created.`);
        return;
      }
      const changes = changesOf(bot, values, token);
      if (Object.keys(changes).length === 0) {
        setSaved('Nothing changed.');
        return;
      }
      const updated = await call(
        api.PATCH('/api/v1/bots/{id}', { params: { path: { id: bot.id } }, body: changes }),
      );
      forgetToken();
      setValues(valuesOf(updated));
      setSaved(token === '' ? 'Changes saved.' : 'Changes saved. The new token is stored.');
      props.onSaved(updated, 'Changes saved.');
    });
  };

  const clearToken = () =>
    run('clear-token', async () => {
      if (bot === undefined) return;
      const updated = await call(
        api.PATCH('/api/v1/bots/{id}', { params: { path: { id: bot.id } }, body: { api_token: null } }),
      );
      forgetToken();
      setSaved('The stored token was removed.');
      props.onSaved(updated, 'The stored token was removed.');
    });

  // The create form tests what was typed; a stored bot is tested from its page (its stored token).
  const testTyped = () =>
    void run('test', async () => {
      const body = { api_url: values.api_url, api_token: typedToken() };
      setResult(await call(api.POST('/api/v1/external-bots/test-connection', { body })));
    });

  return (
    <form ref={form} onSubmit={submit} className="card bot-form" noValidate>
      <TextField
        label="Name"
        name="name"
        required
        maxLength={100}
        value={values.name}
        onChange={set('name')}
        errors={errorsOf('name')}
      />
      <SelectField
        label="Kind"
        name="kind"
        value={values.kind}
        onChange={set('kind')}
        options={KIND_OPTIONS}
        errors={errorsOf('kind')}
        hint="An external bot is called at its API URL, which it needs."
      />
      <TextField
        label="Exchange"
        name="exchange"
        required
        maxLength={50}
        value={values.exchange}
        onChange={set('exchange')}
        errors={errorsOf('exchange')}
      />
      <TextField
        label="Strategy"
        name="strategy"
        required
        maxLength={50}
        value={values.strategy}
        onChange={set('strategy')}
        errors={errorsOf('strategy')}
      />
      {editing && (
        <SelectField
          label="Status"
          name="status"
          value={values.status}
          onChange={set('status')}
          options={STATUS_OPTIONS}
          errors={errorsOf('status')}
        />
      )}
      <TextField
        label="API URL"
        name="api_url"
        type="url"
        inputMode="url"
        autoComplete="off"
        maxLength={2048}
        value={values.api_url}
        onChange={set('api_url')}
        errors={errorsOf('api_url')}
        hint="http or https; addresses of private networks are refused. Leave empty for none."
      />
      <TextField
        label={editing ? 'New API token' : 'API token'}
        name="api_token"
        type="password"
        autoComplete="off"
        spellCheck={false}
        maxLength={4096}
        errors={errorsOf('api_token')}
        hint={
          editing
            ? `${bot.has_api_token ? 'Token stored.' : 'No token.'} Type a new token to replace it; leave empty to keep it. The token is never shown again.`
            : 'Optional, write-only: stored encrypted and never shown again. 10 to 4096 characters.'
        }
      />
      {editing && bot.has_api_token && (
        <div className="actions token-actions">
          <ConfirmButton
            label="Clear stored token"
            title="Remove the stored token?"
            confirmLabel="Remove token"
            danger
            disabled={busy !== undefined}
            onConfirm={clearToken}
          >
            <p>The bot can no longer be called until a new token is stored. The token cannot be recovered.</p>
          </ConfirmButton>
        </div>
      )}
      {notice('clear-token')}
      {notice('save')}
      {saved !== undefined && <Notice>{saved}</Notice>}
      <div className="actions">
        <button type="submit" className="button-primary" disabled={busy !== undefined}>
          {busy === 'save' ? 'Saving…' : editing ? 'Save changes' : 'Create bot'}
        </button>
        {!editing && (
          <button
            type="button"
            className="button-secondary"
            onClick={testTyped}
            disabled={busy !== undefined}
          >
            Test connection
          </button>
        )}
      </div>
      {busy === 'test' && <Busy label="Testing the connection…" />}
      {notice('test')}
      {result !== undefined && <ConnectionResult result={result} />}
    </form>
  );
}
