// One bot: what is stored (the token only as "stored" or not), its connection test with the stored
// URL and token, subscribing to it, editing and deleting it. The bot routes have no role guard
// (src/features/bots/bots.routes.ts: every signed-in user of the tenant may manage its bots), so
// every action is shown to every signed-in user; the API's 403, should a guard come, is shown
// where the action was (ErrorNotice).
import { useEffect, useState } from 'react';
import { api, call } from '../../api/client.ts';
import type { Bot, ConnectionResult as Result } from '../../api/types.ts';
import { Link, navigate, usePageTitle } from '../../router.tsx';
import { ConfirmButton } from '../../ui/confirm.tsx';
import { useLoad } from '../../ui/data.ts';
import { Busy, ErrorNotice, Notice } from '../../ui/feedback.tsx';
import { fieldErrors, formLevelError } from '../../ui/field.tsx';
import { clearFlash, peekFlash, setFlash } from '../../ui/flash.ts';
import { Time } from '../../ui/format.tsx';
import { BotForm } from './bot-form.tsx';
import { ConnectionResult } from './connection-result.tsx';
import { kindLabel, statusLabel } from './labels.ts';
import { SubscribeForm } from './subscribe-form.tsx';

function StoredConnectionTest(props: { bot: Bot; onRefused: (error: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result>();
  const [error, setError] = useState<unknown>();
  const test = async () => {
    setBusy(true);
    setResult(undefined);
    setError(undefined);
    props.onRefused(undefined);
    try {
      setResult(
        await call(api.POST('/api/v1/bots/{id}/test-connection', { params: { path: { id: props.bot.id } } })),
      );
    } catch (caught) {
      // A stored URL refused now (loc bot.api_url) belongs next to the API URL field.
      setError(caught);
      props.onRefused(caught);
    } finally {
      setBusy(false);
    }
  };
  const refused = fieldErrors(error, ['api_url']).byField.api_url;
  return (
    <section aria-labelledby="bot-test-heading" className="card">
      <h2 id="bot-test-heading">Connection test</h2>
      <p>Calls the stored API URL with the stored token and reports only whether the bot answered.</p>
      <div className="actions">
        <button type="button" className="button-secondary" onClick={() => void test()} disabled={busy}>
          Test connection
        </button>
      </div>
      {busy && <Busy label="Testing the connection…" />}
      {refused !== undefined && (
        <p className="notice notice-error">The stored API URL was refused: see the API URL field below.</p>
      )}
      <ErrorNotice error={formLevelError(error, ['api_url'])} />
      {result !== undefined && <ConnectionResult result={result} />}
    </section>
  );
}

export function BotDetailPage(props: { id: string }) {
  const loaded = useLoad(
    () => call(api.GET('/api/v1/bots/{id}', { params: { path: { id: props.id } } })),
    [props.id],
  );
  const [bot, setBot] = useState<Bot>();
  const [testError, setTestError] = useState<unknown>();
  const [deleteError, setDeleteError] = useState<unknown>();
  const [message] = useState(peekFlash);
  useEffect(() => clearFlash(), []);
  useEffect(() => {
    if (loaded.data !== undefined) setBot(loaded.data);
  }, [loaded.data]);
  const current = bot ?? loaded.data;
  usePageTitle(current?.name ?? 'Bot');

  if (current === undefined) {
    return (
      <div className="page">
        <h1>Bot</h1>
        {loaded.loading ? (
          <Busy label="Loading the bot…" />
        ) : (
          <ErrorNotice error={loaded.error} retry={loaded.reload} />
        )}
        <p>
          <Link to="/bots">Back to your bots</Link>
        </p>
      </div>
    );
  }

  const remove = async () => {
    setDeleteError(undefined);
    try {
      await call(api.DELETE('/api/v1/bots/{id}', { params: { path: { id: current.id } } }));
      setFlash(`Bot “${current.name}” deleted.`);
      navigate('/bots');
    } catch (caught) {
      setDeleteError(caught);
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1 className="wrap">{current.name}</h1>
        <Link to="/bots">All bots</Link>
      </div>
      {message !== undefined && <Notice>{message}</Notice>}
      <section aria-labelledby="bot-stored-heading" className="card">
        <h2 id="bot-stored-heading">Details</h2>
        <dl className="details">
          <dt>Kind</dt>
          <dd>{kindLabel(current.kind)}</dd>
          <dt>Exchange</dt>
          <dd>{current.exchange}</dd>
          <dt>Strategy</dt>
          <dd>{current.strategy}</dd>
          <dt>Status</dt>
          <dd>
            <span className="tag">{statusLabel(current.status)}</span>
          </dd>
          <dt>API URL</dt>
          <dd className="mono">{current.api_url ?? 'None'}</dd>
          <dt>API token</dt>
          <dd>{current.has_api_token ? 'Token stored' : 'No token'}</dd>
          <dt>Created</dt>
          <dd>
            <Time iso={current.created_at} />
          </dd>
          <dt>Updated</dt>
          <dd>
            <Time iso={current.updated_at} />
          </dd>
        </dl>
      </section>
      <StoredConnectionTest bot={current} onRefused={setTestError} />
      <section aria-labelledby="bot-subscribe-heading">
        <h2 id="bot-subscribe-heading">Subscribe</h2>
        <SubscribeForm bot={current} />
      </section>
      <section aria-labelledby="bot-edit-heading">
        <h2 id="bot-edit-heading">Edit bot</h2>
        <BotForm
          bot={current}
          onSaved={(updated) => setBot(updated)}
          extraErrors={fieldErrors(testError, ['api_url']).byField}
        />
      </section>
      <section aria-labelledby="bot-delete-heading" className="card">
        <h2 id="bot-delete-heading">Delete bot</h2>
        <p>Deleting the bot cancels every subscription to it, of every user of your tenant.</p>
        <ConfirmButton
          label="Delete bot"
          title={`Delete “${current.name}”?`}
          confirmLabel="Delete"
          danger
          onConfirm={remove}
        >
          <p>The bot and its stored token are removed, and its active subscriptions are cancelled.</p>
        </ConfirmButton>
        <ErrorNotice error={deleteError} />
      </section>
    </div>
  );
}
