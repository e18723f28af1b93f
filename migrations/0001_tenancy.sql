-- The runtime role and the tenant tables, with tenant isolation enforced by the database.
--
-- Every request runs as tradewise_app (SET LOCAL ROLE inside its transaction). The role owns no
-- table, cannot log in and has no BYPASSRLS, so the policies below apply to every statement it
-- runs, including a query that forgets its tenant filter. The tenant comes from the transaction-
-- local setting app.current_tenant_id; when it is unset, nullif(...) yields NULL and no row matches.

DO $$
BEGIN
  CREATE ROLE tradewise_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION
  -- Roles are cluster-wide: another database of this cluster may have created it already.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

DO $$
BEGIN
  -- The migrating user must be able to SET ROLE to the runtime role; a superuser already can.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT tradewise_app TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tradewise_app;

CREATE TABLE tenants (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- Stored normalised (trimmed, lower-case); unique across the platform, not per tenant.
  email text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
  full_name text NOT NULL,
  password_hash text NOT NULL,
  roles text[] NOT NULL DEFAULT ARRAY['user']::text[],
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_tenant_idx ON users (tenant_id, created_at, id);

-- A session is one refresh-token family: the current token (hashed), the one it replaced (for the
-- short concurrent-refresh grace) and what the user sees in their session list.
CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refresh_token_hash text NOT NULL,
  previous_token_hash text,
  rotated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE UNIQUE INDEX sessions_refresh_token_key ON sessions (refresh_token_hash);
CREATE INDEX sessions_previous_token_idx ON sessions (previous_token_hash) WHERE previous_token_hash IS NOT NULL;
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);

CREATE TABLE bots (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('internal', 'external')),
  exchange text NOT NULL,
  strategy text NOT NULL,
  status text NOT NULL DEFAULT 'stopped',
  api_url text,
  -- AES-256-GCM envelope (or a legacy Fernet token); never returned by the API.
  api_token_encrypted text,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'internal' OR api_url IS NOT NULL)
);
CREATE INDEX bots_tenant_idx ON bots (tenant_id, created_at, id);

CREATE TABLE subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  bot_id uuid NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  plan text NOT NULL CHECK (plan IN ('free', 'pro')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  cancelled_at timestamptz
);
-- At most one active subscription per user and bot, even under concurrent requests.
CREATE UNIQUE INDEX subscriptions_one_active_key ON subscriptions (user_id, bot_id) WHERE status = 'active';
CREATE INDEX subscriptions_tenant_idx ON subscriptions (tenant_id, created_at, id);

-- One record per committed change, written in the change's own transaction.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid,
  actor_email text,
  ip text,
  method text NOT NULL,
  route text NOT NULL,
  path text NOT NULL,
  status integer NOT NULL,
  request_id text NOT NULL,
  action text NOT NULL,
  resource_type text,
  resource_id text,
  changes jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, id);

-- Refusals and detections. tenant_id is NULL for events that belong to no known tenant
-- (pre-login attempts, unknown tokens): tenants never see those; operators do.
CREATE TABLE security_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  event_type text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  ip text,
  user_id uuid,
  request_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX security_events_tenant_idx ON security_events (tenant_id, id);
CREATE INDEX security_events_occurred_idx ON security_events (occurred_at);

-- Privileges: only what the runtime role needs. The audit trail is append-only.
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, users, sessions, bots, subscriptions TO tradewise_app;
GRANT SELECT, INSERT ON audit_log, security_events TO tradewise_app;

-- Row-level security, forced so that even the table owner is subject to it (superusers aside).
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants TO tradewise_app
  USING (id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sessions TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE bots ENABLE ROW LEVEL SECURITY;
ALTER TABLE bots FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bots TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscriptions TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE security_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE security_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON security_events FOR SELECT TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);
-- An event may be recorded for the current tenant, or for no tenant (pre-login), never for another.
CREATE POLICY tenant_write ON security_events FOR INSERT TO tradewise_app
  WITH CHECK (
    tenant_id IS NULL
    OR tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid
  );
