-- Floods of security events are bounded (CONTRACT.md, "Security events"): the same event from the
-- same source within a minute is stored once with a count. The first occurrence is a row of its
-- own (count 1) at once; the repeats of that minute are folded into one later row whose count says
-- how many it stands for (security-event-floods.ts). Rows stay insert-only (the runtime role has
-- SELECT and INSERT on this table, nothing else), so folding never rewrites a stored row.
-- ops_security_events() returns SETOF security_events with `e.*`: it carries the new column as is.
ALTER TABLE security_events ADD COLUMN count integer NOT NULL DEFAULT 1 CHECK (count >= 1);
