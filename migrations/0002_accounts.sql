-- Accounts and sessions: what login, refresh rotation and instant revocation need beyond 0001.
--
-- Three pre-tenant reads exist, each a narrow SECURITY DEFINER function with a fixed search_path
-- that only tradewise_app may execute (CVE-2018-1058 / PostgreSQL docs "Writing SECURITY DEFINER
-- Functions Safely"): login looks a user up by e-mail before it knows the tenant, start-up restores
-- live revocations into the state store, and the active-sessions gauge counts live sessions.
-- Everything else runs under row-level security for one tenant.

-- Refresh-token grace (two browser tabs refreshing the same token): the successor token, sealed
-- with a key derived from the parent token itself, so that only a holder of the parent can read it
-- and the database never holds a usable refresh token. Cleared when the session rotates again.
ALTER TABLE sessions ADD COLUMN grace_token_sealed text;
CREATE INDEX sessions_live_idx ON sessions (expires_at) WHERE revoked_at IS NULL;

-- Every refresh token a session has spent (hashes only). Presenting one again, outside the parent's
-- grace, is reuse: the whole session is revoked (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
CREATE TABLE spent_refresh_tokens (
  token_hash text PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  spent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spent_refresh_tokens_session_idx ON spent_refresh_tokens (session_id);

-- Which session issued which access token (the JWT carries no session claim): logout finds the
-- session from the presented jti, and ending a session revokes the access tokens it issued.
CREATE TABLE access_tokens (
  jti text PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE INDEX access_tokens_session_idx ON access_tokens (session_id, expires_at);

-- The durable copy of the state store's revocations, restored into it at start-up (the in-process
-- store forgets on restart; Redis may be flushed). `jti`: one access token until its expiry;
-- `user`: every access token of the user issued before `revoked_before`, kept until the last of
-- them has expired. No foreign key to users: a deleted user's tokens stay revoked.
CREATE TABLE token_revocations (
  kind text NOT NULL CHECK (kind IN ('jti', 'user')),
  subject text NOT NULL,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  revoked_before timestamptz,
  expires_at timestamptz NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, subject),
  CHECK ((kind = 'user') = (revoked_before IS NOT NULL))
);
CREATE INDEX token_revocations_expires_idx ON token_revocations (expires_at);

-- Deactivated users are restored into the store as "inactive" marks at start-up.
CREATE INDEX users_inactive_idx ON users (id) WHERE NOT is_active;

GRANT SELECT, INSERT, UPDATE, DELETE ON access_tokens TO tradewise_app;
GRANT SELECT, INSERT ON spent_refresh_tokens TO tradewise_app;
GRANT SELECT, INSERT, UPDATE ON token_revocations TO tradewise_app;

ALTER TABLE spent_refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE spent_refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON spent_refresh_tokens TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE access_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON access_tokens TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE token_revocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE token_revocations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON token_revocations TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

-- Login: the one read of a user before the tenant is known. Exact match on the normalised e-mail
-- (the application normalises), returning only what login needs.
CREATE FUNCTION auth_login_lookup(p_email text)
RETURNS TABLE (user_id uuid, tenant_id uuid, email text, password_hash text, roles text[], is_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT u.id, u.tenant_id, u.email, u.password_hash, u.roles, u.is_active
  FROM public.users u
  WHERE u.email = p_email
$$;

-- Start-up: the revocations still in force, and every deactivated user.
CREATE FUNCTION auth_live_revocations()
RETURNS TABLE (kind text, subject text, revoked_before_ms bigint, expires_at_ms bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT r.kind, r.subject,
         (extract(epoch FROM r.revoked_before) * 1000)::bigint,
         (extract(epoch FROM r.expires_at) * 1000)::bigint
  FROM public.token_revocations r
  WHERE r.expires_at > now()
  UNION ALL
  SELECT 'inactive', u.id::text, NULL, NULL
  FROM public.users u
  WHERE NOT u.is_active
$$;

-- active_sessions_gauge: the platform-wide number of live sessions (a number, no rows).
CREATE FUNCTION auth_live_session_count()
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
  SELECT count(*) FROM public.sessions s WHERE s.revoked_at IS NULL AND s.expires_at > now()
$$;

REVOKE ALL ON FUNCTION auth_login_lookup(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_live_revocations() FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_live_session_count() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_lookup(text) TO tradewise_app;
GRANT EXECUTE ON FUNCTION auth_live_revocations() TO tradewise_app;
GRANT EXECUTE ON FUNCTION auth_live_session_count() TO tradewise_app;

-- The functions above run as their owner, the migrating user. FORCE ROW LEVEL SECURITY applies to
-- a table owner that is neither superuser nor BYPASSRLS (the README allows a CREATEROLE owner), and
-- with no tenant set the policies would hide every row from these functions. Such an owner gets a
-- read-only policy on exactly the tables the functions read; it owns the tables and could disable
-- RLS anyway, so this grants it nothing new. Superusers bypass RLS and need nothing.
DO $$
BEGIN
  IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('CREATE POLICY definer_read ON users FOR SELECT TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY definer_read ON sessions FOR SELECT TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY definer_read ON token_revocations FOR SELECT TO %I USING (true)', current_user);
  END IF;
END
$$;
