// The signed-in user's subscriptions (GET /subscriptions: their own only, active and cancelled),
// subscribing to a bot of the tenant with a plan, and cancelling with a confirmation. A cancelled
// subscription stays listed as history, as the API keeps it.
import { useState } from 'react';
import { api, call } from '../api/client.ts';
import type { Bot, Subscription } from '../api/types.ts';
import { Link, usePageTitle } from '../router.tsx';
import { ConfirmButton } from '../ui/confirm.tsx';
import { useLoad, usePaged } from '../ui/data.ts';
import { EmptyState, ErrorNotice, Notice } from '../ui/feedback.tsx';
import { Time } from '../ui/format.tsx';
import { Pager } from '../ui/pager.tsx';
import { SubscribeForm } from './bots/subscribe-form.tsx';

/** Every bot of the tenant, for the picker and for naming the bot of each subscription. */
async function allBots(): Promise<Bot[]> {
  const bots: Bot[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(
      api.GET('/api/v1/bots', {
        params: { query: { limit: 100, ...(cursor === undefined ? {} : { cursor }) } },
      }),
    );
    bots.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return bots;
}

export function SubscriptionsPage() {
  usePageTitle('Subscriptions');
  const bots = useLoad(allBots, []);
  const [version, setVersion] = useState(0);
  const paged = usePaged<Subscription>(
    (cursor) =>
      call(
        api.GET('/api/v1/subscriptions', {
          params: { query: { limit: 20, ...(cursor === undefined ? {} : { cursor }) } },
        }),
      ),
    [version],
  );
  const [cancelError, setCancelError] = useState<unknown>();
  const [cancelled, setCancelled] = useState<string>();
  const nameOf = (botId: string) => bots.data?.find((bot) => bot.id === botId)?.name;
  const items = paged.data?.items ?? [];

  const cancel = async (subscription: Subscription, name: string) => {
    setCancelError(undefined);
    setCancelled(undefined);
    try {
      await call(api.DELETE('/api/v1/subscriptions/{id}', { params: { path: { id: subscription.id } } }));
      setCancelled(`Subscription to “${name}” cancelled.`);
      paged.reload();
    } catch (caught) {
      setCancelError(caught);
    }
  };

  return (
    <div className="page">
      <h1>Subscriptions</h1>
      <section aria-labelledby="subscribe-heading">
        <h2 id="subscribe-heading">Subscribe to a bot</h2>
        <ErrorNotice error={bots.error} retry={bots.reload} />
        {bots.data !== undefined && bots.data.length === 0 ? (
          <EmptyState title="No bots to subscribe to">
            <p>
              Your tenant has no bots yet. <Link to="/bots/new">Create a bot</Link> first.
            </p>
          </EmptyState>
        ) : (
          <SubscribeForm bots={bots.data ?? []} onSubscribed={() => setVersion((v) => v + 1)} />
        )}
      </section>
      <section aria-labelledby="subscriptions-heading">
        <h2 id="subscriptions-heading">Your subscriptions</h2>
        {cancelled !== undefined && <Notice>{cancelled}</Notice>}
        <ErrorNotice error={cancelError} />
        <ErrorNotice error={paged.error} retry={paged.reload} />
        {paged.data !== undefined && items.length === 0 && paged.pageNumber === 1 && (
          <EmptyState title="No subscriptions yet">
            <p>Choose a bot and a plan above to subscribe.</p>
          </EmptyState>
        )}
        {items.length > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Your subscriptions</caption>
              <thead>
                <tr>
                  <th scope="col">Bot</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Status</th>
                  <th scope="col">Since</th>
                  <th scope="col">Cancelled</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {items.map((subscription) => {
                  const name = nameOf(subscription.bot_id);
                  return (
                    <tr key={subscription.id}>
                      <td className="wrap">
                        {name !== undefined ? (
                          <Link to={`/bots/${encodeURIComponent(subscription.bot_id)}`}>{name}</Link>
                        ) : (
                          <span>{bots.data === undefined ? '…' : 'Deleted bot'}</span>
                        )}
                      </td>
                      <td>{subscription.plan === 'pro' ? 'Pro' : 'Free'}</td>
                      <td>
                        <span className={subscription.status === 'active' ? 'tag tag-ok' : 'tag'}>
                          {subscription.status === 'active' ? 'Active' : 'Cancelled'}
                        </span>
                      </td>
                      <td>
                        <Time iso={subscription.created_at} />
                      </td>
                      <td>
                        <Time iso={subscription.cancelled_at} />
                      </td>
                      <td>
                        {subscription.status === 'active' && (
                          <ConfirmButton
                            label="Unsubscribe"
                            accessibleLabel={`Unsubscribe from ${name ?? 'the bot'}`}
                            title={`Cancel the subscription to “${name ?? 'the bot'}”?`}
                            confirmLabel="Unsubscribe"
                            danger
                            onConfirm={() => cancel(subscription, name ?? 'the bot')}
                          >
                            <p>It stays in this list as cancelled; you can subscribe again later.</p>
                          </ConfirmButton>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <Pager paged={paged} label="Subscriptions" />
      </section>
    </div>
  );
}
