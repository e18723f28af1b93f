-- Requests stop switching roles: they log in as a per-database runtime role (src/platform/db/
-- runtime-role.ts) that owns nothing and is a member of nothing, so no SET ROLE or
-- set_config('role', ...) inside a request can take them anywhere else. Until now the grants went to
-- tradewise_app, one NOLOGIN role for the whole cluster of which every database's owner was a
-- member; from here on they are data (runtime_privileges), applied by the migrator on every run to
-- the one role this database serves requests as (tradewise_grant_runtime), and to nobody else.

-- What the runtime role may do, one row per object. A later migration that adds a table adds its
-- row here; the migrator applies the list exactly (revoking anything else in schema public).
CREATE TABLE runtime_privileges (
  object_type text NOT NULL CHECK (object_type IN ('table', 'function')),
  object_name text NOT NULL,
  privileges text NOT NULL CHECK (privileges ~ '^(SELECT|INSERT|UPDATE|DELETE|EXECUTE)(, (SELECT|INSERT|UPDATE|DELETE))*$'),
  PRIMARY KEY (object_type, object_name)
);

-- Deliberately absent: DELETE on tenants (a tenant goes only by the owner's hand), UPDATE or DELETE
-- on audit_log, DELETE on audit_chain_heads, any write to audit_checkpoints, TRUNCATE anywhere.
INSERT INTO runtime_privileges (object_type, object_name, privileges) VALUES
  ('table', 'tenants', 'SELECT, INSERT, UPDATE'),
  ('table', 'users', 'SELECT, INSERT, UPDATE, DELETE'),
  ('table', 'sessions', 'SELECT, INSERT, UPDATE, DELETE'),
  ('table', 'bots', 'SELECT, INSERT, UPDATE, DELETE'),
  ('table', 'subscriptions', 'SELECT, INSERT, UPDATE, DELETE'),
  ('table', 'audit_log', 'SELECT, INSERT'),
  ('table', 'security_events', 'SELECT, INSERT'),
  ('table', 'access_tokens', 'SELECT, INSERT, UPDATE, DELETE'),
  ('table', 'spent_refresh_tokens', 'SELECT, INSERT'),
  ('table', 'token_revocations', 'SELECT, INSERT, UPDATE'),
  ('table', 'audit_chain_heads', 'SELECT, INSERT, UPDATE'),
  ('table', 'audit_checkpoints', 'SELECT'),
  ('table', 'ip_blocks', 'SELECT, INSERT, UPDATE, DELETE'),
  -- A service started with MIGRATE_ON_START=false checks, as the runtime role, that the schema is current.
  ('table', 'schema_migrations', 'SELECT'),
  ('function', 'auth_login_lookup(text)', 'EXECUTE'),
  ('function', 'auth_live_revocations()', 'EXECUTE'),
  ('function', 'auth_live_session_count()', 'EXECUTE'),
  ('function', 'ops_security_events(integer, bigint, timestamptz, timestamptz, uuid, uuid, text, text, text)', 'EXECUTE');

-- The derived runtime role's password (single DATABASE_URL): readable by the owner alone, who could
-- reset it anyway. No grant to anyone.
CREATE TABLE runtime_login (
  role text PRIMARY KEY,
  password text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON runtime_privileges, runtime_login FROM PUBLIC;

CREATE FUNCTION tradewise_grant_runtime(p_role text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  r record;
BEGIN
  EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', p_role);
  EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', p_role);
  EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM %I', p_role);
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', p_role);
  FOR r IN SELECT object_type, object_name, privileges FROM public.runtime_privileges LOOP
    IF r.object_type = 'table' THEN
      EXECUTE format('GRANT %s ON TABLE %s TO %I', r.privileges, r.object_name::regclass, p_role);
    ELSE
      EXECUTE format('GRANT %s ON FUNCTION %s TO %I', r.privileges, r.object_name::regprocedure, p_role);
    END IF;
  END LOOP;
  -- Only the runtime role (and the owner, implicitly) may connect: not the owners of the other
  -- databases of this cluster, nor anyone else. Takes effect when the migrating user owns the
  -- database; the migrator warns otherwise.
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_role);
END
$$;
REVOKE ALL ON FUNCTION tradewise_grant_runtime(text) FROM PUBLIC;

-- tradewise_app keeps nothing in this database (the embedded shape, its own cluster, gets its grants
-- back from tradewise_grant_runtime right after the migrations). The role itself stays: roles are
-- cluster-wide and another database may still use it.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tradewise_app;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM tradewise_app;
REVOKE USAGE ON SCHEMA public FROM tradewise_app;

-- Policies name no role any more: who reaches a table is decided by the grants above, and whoever
-- does is scoped by the tenant setting.
DO $$
DECLARE
  p record;
BEGIN
  FOR p IN SELECT schemaname, tablename, policyname FROM pg_policies
           WHERE schemaname = 'public' AND 'tradewise_app' = ANY (roles) LOOP
    EXECUTE format('ALTER POLICY %I ON %I.%I TO PUBLIC', p.policyname, p.schemaname, p.tablename);
  END LOOP;
END
$$;

-- No foreign key cascades into the audit trail: deleting a tenant that has audit records, chain
-- state or security events fails instead of silently erasing the evidence (the owner removes them
-- deliberately, as `tradewise purge` does past retention).
ALTER TABLE audit_log DROP CONSTRAINT audit_log_tenant_id_fkey,
  ADD CONSTRAINT audit_log_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT;
ALTER TABLE audit_chain_heads DROP CONSTRAINT audit_chain_heads_tenant_id_fkey,
  ADD CONSTRAINT audit_chain_heads_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT;
ALTER TABLE audit_checkpoints DROP CONSTRAINT audit_checkpoints_tenant_id_fkey,
  ADD CONSTRAINT audit_checkpoints_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT;
ALTER TABLE security_events DROP CONSTRAINT security_events_tenant_id_fkey,
  ADD CONSTRAINT security_events_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT;

-- The owner's command line (purge of expired credentials, key rotation, verify-audit) works across
-- tenants. FORCE ROW LEVEL SECURITY applies to an owner that is neither superuser nor BYPASSRLS, so
-- such an owner gets a policy on the tables 0002 and 0004 did not cover (it owns them and could
-- disable RLS anyway: nothing new). Superusers bypass RLS and need nothing.
DO $$
DECLARE
  t text;
BEGIN
  IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    FOREACH t IN ARRAY ARRAY['tenants', 'users', 'sessions', 'bots', 'subscriptions', 'spent_refresh_tokens',
                             'access_tokens', 'token_revocations'] LOOP
      EXECUTE format('CREATE POLICY owner_maintenance ON %I TO %I USING (true) WITH CHECK (true)', t, current_user);
    END LOOP;
  END IF;
END
$$;
