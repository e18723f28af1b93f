// The tenant (role admin; app.tsx guards the page): its id, name and creation date (GET /tenant),
// and renaming it (PATCH /tenant {name}). MFA is left out until it exists (issue 18).
import type { FormEvent } from 'react';
import { useState } from 'react';
import { api, call } from '../api/client.ts';
import type { Tenant } from '../api/types.ts';
import { usePageTitle } from '../router.tsx';
import { useLoad } from '../ui/data.ts';
import { Busy, ErrorNotice, Notice } from '../ui/feedback.tsx';
import { fieldErrors, formLevelError, TextField } from '../ui/field.tsx';
import { Time } from '../ui/format.tsx';

const FIELDS = ['name'] as const;

function Rename(props: { tenant: Tenant; onRenamed: () => void }) {
  const [name, setName] = useState(props.tenant.name);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error, FIELDS);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await call(api.PATCH('/api/v1/tenant', { body: { name } }));
      setSaved(true);
      props.onRenamed();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} className="card" noValidate aria-labelledby="rename">
      <h2 id="rename">Rename the tenant</h2>
      <TextField
        label="Tenant name"
        name="name"
        autoComplete="organization"
        required
        value={name}
        onChange={(event) => setName(event.target.value)}
        errors={errors.byField.name}
        hint="1 to 200 characters; every user of the tenant sees it."
      />
      <ErrorNotice error={formLevelError(error, FIELDS)} />
      {saved && <Notice>The tenant's name was saved.</Notice>}
      <button type="submit" className="button-primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save name'}
      </button>
    </form>
  );
}

export function TenantPage() {
  usePageTitle('Tenant');
  const tenant = useLoad(() => call(api.GET('/api/v1/tenant')), []);
  const data = tenant.data;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Tenant</h1>
      </div>
      <ErrorNotice error={tenant.error} retry={tenant.reload} />
      {data === undefined && tenant.loading && <Busy label="Loading the tenant…" />}
      {data !== undefined && (
        <>
          <section className="card" aria-labelledby="about">
            <h2 id="about">About</h2>
            <dl className="details">
              <dt>Name</dt>
              <dd className="wrap">{data.name}</dd>
              <dt>Tenant id</dt>
              <dd className="mono">{data.id}</dd>
              <dt>Created</dt>
              <dd>
                <Time iso={data.created_at} />
              </dd>
            </dl>
          </section>
          <Rename tenant={data} onRenamed={tenant.reload} />
        </>
      )}
    </div>
  );
}
