// Subscribing to a bot with a plan (POST /subscriptions), from the subscriptions page (choosing
// the bot) or a bot's page (that bot). The API allows one active subscription per user and bot:
// its 409 "Already subscribed to this bot" is said here, at the form.
import type { FormEvent } from 'react';
import { useState } from 'react';
import { api, call } from '../../api/client.ts';
import type { Bot, Subscription } from '../../api/types.ts';
import { ErrorNotice, Notice } from '../../ui/feedback.tsx';
import { fieldErrors, formLevelError, SelectField } from '../../ui/field.tsx';

const FIELDS = ['bot_id', 'plan'] as const;

export const PLAN_OPTIONS: readonly { value: Subscription['plan']; label: string }[] = [
  { value: 'free', label: 'Free' },
  { value: 'pro', label: 'Pro' },
];

export function SubscribeForm(props: {
  /** The bots to choose from; with a single fixed bot, `bot` instead. */
  bots?: readonly Bot[];
  bot?: Bot;
  onSubscribed?: (subscription: Subscription) => void;
}) {
  const choices = props.bots ?? [];
  const [botId, setBotId] = useState(props.bot?.id ?? '');
  const [plan, setPlan] = useState<Subscription['plan']>('free');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error, FIELDS);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const made = await call(api.POST('/api/v1/subscriptions', { body: { bot_id: botId, plan } }));
      const name = props.bot?.name ?? choices.find((bot) => bot.id === botId)?.name ?? 'the bot';
      setDone(`Subscribed to “${name}” on the ${made.plan === 'pro' ? 'Pro' : 'Free'} plan.`);
      props.onSubscribed?.(made);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} className="card subscribe-form" noValidate>
      {props.bot === undefined && (
        <SelectField
          label="Bot"
          name="bot_id"
          value={botId}
          onChange={(event) => setBotId(event.target.value)}
          options={[
            { value: '', label: 'Choose a bot…' },
            ...choices.map((bot) => ({ value: bot.id, label: bot.name })),
          ]}
          errors={errors.byField.bot_id}
        />
      )}
      <SelectField
        label="Plan"
        name="plan"
        value={plan}
        onChange={(event) => setPlan(event.target.value === 'pro' ? 'pro' : 'free')}
        options={PLAN_OPTIONS}
        errors={errors.byField.plan}
      />
      <ErrorNotice error={formLevelError(error, FIELDS)} />
      {done !== undefined && <Notice>{done}</Notice>}
      <div className="actions">
        <button type="submit" className="button-primary" disabled={busy || botId === ''}>
          {busy ? 'Subscribing…' : 'Subscribe'}
        </button>
      </div>
    </form>
  );
}
