// Platform-wide IP blocks in force (operators; app.tsx guards the route), newest first, each
// liftable after a confirmation: lifting takes effect on every instance at once.
import { useState } from 'react';
import { api, call } from '../api/client.ts';
import type { BlockedIp } from '../api/types.ts';
import { useLocation, usePageTitle } from '../router.tsx';
import { ConfirmButton } from '../ui/confirm.tsx';
import { usePaged } from '../ui/data.ts';
import { Busy, EmptyState, ErrorNotice, Notice } from '../ui/feedback.tsx';
import { Time } from '../ui/format.tsx';
import { Pager } from '../ui/pager.tsx';
import { pageSize } from './audit/listing.tsx';

export function BlockedIpsPage() {
  usePageTitle('Blocked IPs');
  const { query } = useLocation();
  const limit = pageSize(query);
  const paged = usePaged<BlockedIp>(
    (cursor) =>
      call(
        api.GET('/api/v1/ops/blocked-ips', {
          params: {
            query: { ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) },
          },
        }),
      ),
    [limit],
  );
  const [outcome, setOutcome] = useState<{ lifted?: string; error?: unknown }>({});

  const unblock = async (ip: string) => {
    setOutcome({});
    try {
      await call(api.DELETE('/api/v1/ops/blocked-ips/{ip}', { params: { path: { ip } } }));
      setOutcome({ lifted: ip });
    } catch (error) {
      setOutcome({ error });
    }
    // Lifted, or lifted meanwhile by someone else (404): either way the list is out of date.
    paged.reload();
  };
  const items = paged.data?.items ?? [];

  return (
    <div className="page">
      <h1>Blocked IPs</h1>
      <p>
        Addresses refused on every route (but the health probes) after brute force, until the time shown. An
        IPv6 client is blocked by its /64 prefix.
      </p>
      {outcome.lifted !== undefined && (
        <Notice>
          <p>
            The block on <span className="mono">{outcome.lifted}</span> is lifted.
          </p>
        </Notice>
      )}
      <ErrorNotice error={outcome.error} />
      <ErrorNotice error={paged.error} retry={paged.reload} />
      {paged.loading && paged.data === undefined && <Busy label="Loading the blocked addresses…" />}
      {paged.data !== undefined && items.length === 0 && (
        <EmptyState title="No address is blocked.">
          <p>
            Addresses are blocked automatically after repeated failed logins; they appear here, and you can
            lift a block early.
          </p>
        </EmptyState>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Blocked addresses, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Reason</th>
                <th scope="col">Blocked until</th>
                <th scope="col">Blocked at</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((block) => (
                <tr key={block.ip}>
                  <td className="mono">{block.ip}</td>
                  <td className="wrap">{block.reason}</td>
                  <td>
                    <Time iso={block.expires_at} />
                  </td>
                  <td>
                    <Time iso={block.blocked_at} />
                  </td>
                  <td>
                    <ConfirmButton
                      label="Unblock"
                      accessibleLabel={`Unblock ${block.ip}`}
                      title={`Unblock ${block.ip}?`}
                      confirmLabel="Unblock"
                      danger
                      onConfirm={() => unblock(block.ip)}
                    >
                      <p>
                        Requests from <span className="mono">{block.ip}</span> are accepted again at once, on
                        every instance. A new burst of failed logins blocks it again.
                      </p>
                    </ConfirmButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager paged={paged} label="Blocked IPs" />
    </div>
  );
}
