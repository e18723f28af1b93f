-- The audit trail becomes tamper-evident and retained; security events get an operator read path.
--
-- Hash chain: every audit record carries its per-tenant sequence number, the previous record's
-- hash and its own hash (SHA-256 over a canonical serialisation computed by the application, see
-- src/features/audit/audit-chain.ts). audit_chain_heads holds each tenant's last (seq, hash): a
-- writer upserts that row in its own transaction, which serialises the writers of one tenant (and
-- only of that tenant) so that concurrent requests produce one linear chain with no fork or gap.
-- audit_checkpoints remembers the (seq, hash) of the last record a purge removed, so the retained
-- part of the chain still verifies from there.

-- The migration owner (and the SECURITY DEFINER function below, which runs as it) maintains the
-- audit tables across tenants: this migration, and the command line's verify-audit and purge. The
-- tables force row-level security even on their owner, so an owner that is neither superuser nor
-- BYPASSRLS (see 0002) would see no row at all; it gets a policy on exactly these tables. It owns
-- them and could disable RLS anyway, so this grants it nothing new; the runtime role is not a
-- member of the owner role, so the policies do not apply to it. Superusers bypass RLS.
DO $$
BEGIN
  IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('CREATE POLICY audit_maintenance ON audit_log TO %I USING (true) WITH CHECK (true)', current_user);
    EXECUTE format('CREATE POLICY audit_maintenance ON security_events TO %I USING (true) WITH CHECK (true)', current_user);
  END IF;
END
$$;

ALTER TABLE audit_log ADD COLUMN seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text;
ALTER TABLE security_events ADD COLUMN description text;

CREATE TABLE audit_chain_heads (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  last_seq bigint NOT NULL CHECK (last_seq >= 0),
  last_hash text NOT NULL
);

CREATE TABLE audit_checkpoints (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, seq)
);

-- Records written before this migration have no chain. They are sealed here in id order, per
-- tenant, with a hash of their row as the database sees it, and a checkpoint at the last one: the
-- application's verification starts after it (it cannot recompute this one-off serialisation),
-- and every later record chains from the sealed hash. Timestamps are truncated to milliseconds
-- first because the application's canonical form carries milliseconds.
UPDATE audit_log SET occurred_at = date_trunc('milliseconds', occurred_at);

DO $$
DECLARE
  r record;
  current_tenant uuid := NULL;
  previous text;
  next_hash text;
  n bigint := 0;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY tenant_id, id LOOP
    IF current_tenant IS DISTINCT FROM r.tenant_id THEN
      IF current_tenant IS NOT NULL THEN
        INSERT INTO audit_chain_heads (tenant_id, last_seq, last_hash) VALUES (current_tenant, n, previous);
        INSERT INTO audit_checkpoints (tenant_id, seq, hash) VALUES (current_tenant, n, previous);
      END IF;
      current_tenant := r.tenant_id;
      previous := repeat('0', 64);
      n := 0;
    END IF;
    n := n + 1;
    next_hash := encode(sha256(convert_to(previous || row_to_json(r)::text, 'UTF8')), 'hex');
    UPDATE audit_log SET seq = n, prev_hash = previous, hash = next_hash WHERE id = r.id;
    previous := next_hash;
  END LOOP;
  IF current_tenant IS NOT NULL THEN
    INSERT INTO audit_chain_heads (tenant_id, last_seq, last_hash) VALUES (current_tenant, n, previous);
    INSERT INTO audit_checkpoints (tenant_id, seq, hash) VALUES (current_tenant, n, previous);
  END IF;
END
$$;

ALTER TABLE audit_log
  ALTER COLUMN seq SET NOT NULL,
  ALTER COLUMN prev_hash SET NOT NULL,
  ALTER COLUMN hash SET NOT NULL;
-- One record per position: a forked chain cannot even be stored.
CREATE UNIQUE INDEX audit_log_tenant_seq_key ON audit_log (tenant_id, seq);
DROP INDEX audit_log_tenant_idx;
CREATE INDEX security_events_tenant_type_idx ON security_events (tenant_id, event_type, id);

-- The runtime role appends (INSERT on audit_log, never UPDATE or DELETE) and advances its
-- tenant's chain head; checkpoints are written by the command line only.
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO tradewise_app;
GRANT SELECT ON audit_checkpoints TO tradewise_app;

ALTER TABLE audit_chain_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_chain_heads TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_checkpoints FOR SELECT TO tradewise_app
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

DO $$
BEGIN
  IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('CREATE POLICY audit_maintenance ON audit_chain_heads TO %I USING (true) WITH CHECK (true)', current_user);
    EXECUTE format('CREATE POLICY audit_maintenance ON audit_checkpoints TO %I USING (true) WITH CHECK (true)', current_user);
  END IF;
END
$$;

-- The operator's view of security events across every tenant and of pre-login events, which the
-- runtime role's row-level security hides (by design). Trade-off: the database cannot tell an
-- operator's request from any other request of the runtime role, so the operator guard lives in
-- the application (GET /ops/security-events calls this only after requireRole('operator')). The
-- function is kept narrow to bound what a bug elsewhere could reach through it: read-only, security
-- events only (no tenant data), at most 101 rows per call, a fixed search_path so that no object
-- of another schema can stand in for ours, and EXECUTE for the runtime role alone.
CREATE FUNCTION ops_security_events(
  p_limit integer,
  p_before_id bigint,
  p_since timestamptz,
  p_until timestamptz,
  p_tenant_id uuid,
  p_user_id uuid,
  p_event_type text,
  p_severity text,
  p_request_id text
) RETURNS SETOF public.security_events
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT e.*
  FROM public.security_events e
  WHERE (p_before_id IS NULL OR e.id < p_before_id)
    AND (p_since IS NULL OR e.occurred_at >= p_since)
    AND (p_until IS NULL OR e.occurred_at < p_until)
    AND (p_tenant_id IS NULL OR e.tenant_id = p_tenant_id)
    AND (p_user_id IS NULL OR e.user_id = p_user_id)
    AND (p_event_type IS NULL OR e.event_type = p_event_type)
    AND (p_severity IS NULL OR e.severity = p_severity)
    AND (p_request_id IS NULL OR e.request_id = p_request_id)
  ORDER BY e.id DESC
  LIMIT least(greatest(coalesce(p_limit, 50), 1), 101)
$$;
REVOKE ALL ON FUNCTION ops_security_events(integer, bigint, timestamptz, timestamptz, uuid, uuid, text, text, text)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ops_security_events(integer, bigint, timestamptz, timestamptz, uuid, uuid, text, text, text)
  TO tradewise_app;
