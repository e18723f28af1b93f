-- The addresses each account logged in from recently (issue 14 item 5): a login from one of them is
-- not slowed by failures other addresses cause on the account (brute-force.ts), for clients that
-- keep no device cookie. The state store caches the per-account list; this table keeps it across
-- restarts of the embedded shape (whose store lives in memory) and losses of Redis.
-- An account is named by the keyed hash of its normalised e-mail (typed-username.ts) and an address
-- by its client key (an IPv4 address or an IPv6 /64), so the table holds no tenant data and no
-- e-mail: like ip_blocks, no row-level security and no route that lists it. Bounded: the newest 10
-- addresses per account, none older than 30 days (the service trims on every write).
CREATE TABLE login_addresses (
  account_hash text NOT NULL,
  client_key text NOT NULL,
  last_login_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_hash, client_key)
);
CREATE INDEX login_addresses_last_login_idx ON login_addresses (last_login_at);

INSERT INTO runtime_privileges (object_type, object_name, privileges)
VALUES ('table', 'login_addresses', 'SELECT, INSERT, UPDATE, DELETE');
