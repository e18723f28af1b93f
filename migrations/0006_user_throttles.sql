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

GRANT SELECT, INSERT, UPDATE, DELETE ON user_throttles TO tradewise_app;
