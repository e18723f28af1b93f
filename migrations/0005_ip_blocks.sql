-- Platform-wide IP blocks (brute-force response, operator action). The state store answers the
-- per-request question "is this address blocked?"; this table keeps the blocks across restarts of
-- the embedded shape (whose store lives in memory) and gives operators a durable record.
-- It holds no tenant data, so it has no row-level security: only operator routes and the command
-- line read it, and tenant admins have no route to it.
CREATE TABLE ip_blocks (
  ip text PRIMARY KEY,
  reason text NOT NULL,
  blocked_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX ip_blocks_expires_idx ON ip_blocks (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON ip_blocks TO tradewise_app;
