-- Issue 14, items 8 and 11: incremental audit verification, and ids that leak nothing across tenants.

-- The last point of each tenant's chain that a verification found intact: GET
-- /admin/audit-log/verify starts from it instead of from the first record. The application signs
-- each point (HMAC-SHA256 under a key derived from ENCRYPTION_KEY for this purpose only, see
-- src/features/audit/verified-point.ts), so whoever can write this table but does not hold the key
-- (a database-only attacker, the runtime role itself) cannot make a rewritten history pass: a
-- point that does not verify is ignored and the whole chain is walked. Not evidence itself, so it
-- goes with its tenant.
CREATE TABLE audit_verified_points (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  seq bigint NOT NULL CHECK (seq > 0),
  hash text NOT NULL,
  verified_at timestamptz NOT NULL,
  key_id text NOT NULL,
  mac text NOT NULL
);

ALTER TABLE audit_verified_points ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_verified_points FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_verified_points
  USING (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant_id', true), '')::uuid);

INSERT INTO runtime_privileges (object_type, object_name, privileges)
VALUES ('table', 'audit_verified_points', 'SELECT, INSERT, UPDATE');

-- The server's own id for the request beside the client's X-Request-ID (which stays, for
-- correlation, but is the client's to choose): a client cannot forge or collide another request's
-- id in the trail. Null for records written before this migration and by the command line. The
-- audit hash covers it (format v2 of src/features/audit/audit-chain.ts).
ALTER TABLE audit_log ADD COLUMN server_request_id text;
ALTER TABLE security_events ADD COLUMN server_request_id text;

-- Security events get a random public id: the identity column counts every tenant's events, so
-- its gaps would tell one tenant the others' volume. Answers and cursors carry public_id only;
-- the identity column stays the internal order.
ALTER TABLE security_events ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX security_events_public_id_key ON security_events (public_id);

-- The operator's listing pages by public id too (same cursor as the tenant admin's listing).
DROP FUNCTION ops_security_events(integer, bigint, timestamptz, timestamptz, uuid, uuid, text, text, text);
CREATE FUNCTION ops_security_events(
  p_limit integer,
  p_before uuid,
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
  WHERE (p_before IS NULL OR e.id < (SELECT b.id FROM public.security_events b WHERE b.public_id = p_before))
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
REVOKE ALL ON FUNCTION ops_security_events(integer, uuid, timestamptz, timestamptz, uuid, uuid, text, text, text)
  FROM PUBLIC;
UPDATE runtime_privileges
SET object_name = 'ops_security_events(integer, uuid, timestamptz, timestamptz, uuid, uuid, text, text, text)'
WHERE object_type = 'function'
  AND object_name = 'ops_security_events(integer, bigint, timestamptz, timestamptz, uuid, uuid, text, text, text)';

-- As in 0004 and 0006: an owner that is neither superuser nor BYPASSRLS maintains the table from
-- the command line (verify-audit writes points too).
DO $$
BEGIN
  IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('CREATE POLICY audit_maintenance ON audit_verified_points TO %I USING (true) WITH CHECK (true)', current_user);
  END IF;
END
$$;
