// Tenant administration (role admin; app.tsx guards the page): the tenant's users, oldest first
// (GET /users, cursor-paginated), adding one, changing roles, deactivating, reactivating and
// deleting. The API keeps at least one active admin per tenant (409 LAST_ADMIN) and lets no one
// raise their own roles (403): both refusals are said at the action that met them.
import { useState } from 'react';
import { ApiError, api, call } from '../api/client.ts';
import type { User } from '../api/types.ts';
import { usePageTitle } from '../router.tsx';
import { useSession } from '../session-context.tsx';
import { ConfirmButton } from '../ui/confirm.tsx';
import { usePaged } from '../ui/data.ts';
import { EmptyState, ErrorNotice } from '../ui/feedback.tsx';
import { Time } from '../ui/format.tsx';
import { Pager } from '../ui/pager.tsx';
import { CreateUserForm } from './users/create-user.tsx';
import type { GrantableRole } from './users/role-choice.tsx';
import { grantable, RoleChoice } from './users/role-choice.tsx';

/** What LAST_ADMIN (users.errors.ts) means for the admin who met it, and what to do instead. */
const LAST_ADMIN_WORDS = 'A tenant must keep at least one active admin: make another user admin first.';

function ActionError(props: { error: unknown }) {
  if (props.error instanceof ApiError && props.error.code === 'LAST_ADMIN') {
    return (
      <div className="notice notice-error" role="alert">
        <p>{LAST_ADMIN_WORDS}</p>
      </div>
    );
  }
  return <ErrorNotice error={props.error} />;
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((role) => b.includes(role));
}

function UserRow(props: { user: User; isMe: boolean; onChanged: () => void }) {
  const { user, isMe, onChanged } = props;
  const session = useSession();
  const [roles, setRoles] = useState<GrantableRole[]>(grantable(user.roles));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const who = user.email;

  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      onChanged();
      // Your own roles changed: the navigation and the guards follow them.
      if (isMe) await session.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const patch = (body: { roles?: GrantableRole[]; is_active?: boolean }) =>
    run(() => call(api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body })));

  return (
    <tr>
      <td className="wrap">
        {user.email}
        {isMe && <span className="tag">You</span>}
      </td>
      <td className="wrap">{user.full_name}</td>
      <td>
        <RoleChoice legend={`Roles of ${who}`} hideLegend roles={roles} onChange={setRoles} disabled={busy} />
        {!sameRoles(roles, grantable(user.roles)) && (
          <button
            type="button"
            className="button-secondary"
            aria-label={`Save roles of ${who}`}
            disabled={busy || roles.length === 0}
            onClick={() => void patch({ roles })}
          >
            Save roles
          </button>
        )}
        {roles.length === 0 && <p className="field-hint">Choose at least one role.</p>}
      </td>
      <td>
        {user.is_active ? (
          <span className="tag tag-ok">Active</span>
        ) : (
          <span className="tag">Deactivated</span>
        )}
      </td>
      <td>
        <Time iso={user.created_at} />
      </td>
      <td>
        <div className="actions">
          {user.is_active ? (
            <button
              type="button"
              className="button-secondary"
              aria-label={`Deactivate ${who}`}
              disabled={busy}
              onClick={() => void patch({ is_active: false })}
            >
              Deactivate
            </button>
          ) : (
            <button
              type="button"
              className="button-secondary"
              aria-label={`Reactivate ${who}`}
              disabled={busy}
              onClick={() => void patch({ is_active: true })}
            >
              Reactivate
            </button>
          )}
          <ConfirmButton
            label="Delete"
            accessibleLabel={`Delete ${who}`}
            title={`Delete ${who}?`}
            confirmLabel="Delete user"
            danger
            disabled={busy}
            onConfirm={() =>
              run(() => call(api.DELETE('/api/v1/users/{id}', { params: { path: { id: user.id } } })))
            }
          >
            <p>
              They are signed out at once and can no longer sign in. The audit log keeps what they did. To
              keep the account for later, deactivate it instead.
            </p>
          </ConfirmButton>
        </div>
        <ActionError error={error} />
      </td>
    </tr>
  );
}

export function UsersPage() {
  usePageTitle('Users');
  const session = useSession();
  const paged = usePaged(
    (cursor) => call(api.GET('/api/v1/users', { params: { query: cursor === undefined ? {} : { cursor } } })),
    [],
  );
  const users = paged.data?.items;

  return (
    <div className="page">
      <div className="page-head">
        <h1>Users</h1>
      </div>
      <p>
        The people of your tenant. Admins manage users, the tenant and its audit log; users manage bots and
        subscriptions.
      </p>
      <CreateUserForm onCreated={paged.reload} />
      <section aria-labelledby="user-list">
        <h2 id="user-list">Users of your tenant</h2>
        <ErrorNotice error={paged.error} retry={paged.reload} />
        {users !== undefined && users.length === 0 && (
          <EmptyState title="No users on this page.">
            <p>Go back to the first page, or add a user above.</p>
          </EmptyState>
        )}
        {users !== undefined && users.length > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Users of your tenant</caption>
              <thead>
                <tr>
                  <th scope="col">E-mail</th>
                  <th scope="col">Name</th>
                  <th scope="col">Roles</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {users.map((user) => (
                  // Keyed by the row's content too: after a change the row starts from what the API says.
                  <UserRow
                    key={`${user.id}:${user.updated_at}`}
                    user={user}
                    isMe={user.id === session.user?.id}
                    onChanged={paged.reload}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager paged={paged} label="Users" />
      </section>
    </div>
  );
}
