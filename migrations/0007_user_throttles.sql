-- User throttles (the response to suspicious_api_usage), durable like IP blocks: the state store
-- answers "is this user throttled?" on every request, and is re-seeded from this table whenever
-- it may have lost data (a Redis restart, failover, flush or eviction; the embedded shape's
-- in-memory store after a restart), so a throttle lasts its whole USER_RATE_LIMIT_SECONDS.
-- Like ip_blocks it is platform-wide and holds only a user id and a time: no row-level security;
-- no route lists it.
CREATE TABLE user_throttles (
  user_id uuid PRIMARY KEY,
  throttled_until timestamptz NOT NULL
);
CREATE INDEX user_throttles_until_idx ON user_throttles (throttled_until);

-- The runtime role's grants are data since 0006: the migrator applies runtime_privileges.
INSERT INTO runtime_privileges (object_type, object_name, privileges)
VALUES ('table', 'user_throttles', 'SELECT, INSERT, UPDATE, DELETE');
