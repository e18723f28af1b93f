#!/usr/bin/env bash
# The compose topology without containers, on one machine: two API instances (production mode) on
# two loopback ports, sharing a fresh PostgreSQL database this script creates and a Redis db index
# (under a key prefix of their own). It checks them (check-topology.mjs), then stops both, drops
# the database and deletes the keys, whatever happened.
#
# There is no reverse proxy: the instances trust 127.0.0.1 (TRUSTED_PROXIES), and the checker,
# running on loopback, plays the TLS-terminating proxy by sending X-Forwarded-Proto: https.
#
# Environment:
#   PG_ADMIN_URL  a PostgreSQL URL whose role may CREATE and DROP DATABASE
#                 (default postgres://postgres@127.0.0.1:5432/postgres)
#   REDIS_URL     the Redis db index to use (default redis://127.0.0.1:6379/0); only keys under this
#                 run's prefix are written and deleted
#   PORT1, PORT2  listen ports (default: two free ports)
#   KEEP_LOGS=1   keep the instances' logs (their directory is printed)
# Needs node, psql and redis-cli. Exit status: 0 when every check passed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
for tool in node psql redis-cli; do
  command -v "$tool" >/dev/null || { echo "run-local: $tool is required" >&2; exit 2; }
done

run_id="tw_local_$(date +%s)_$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/tradewise-local.XXXXXX")"
pids=()

free_port() {
  node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
secret() { # bytes encoding
  node -e 'console.log(require("node:crypto").randomBytes(Number(process.argv[1])).toString(process.argv[2]))' "$1" "$2"
}
database_url="$(node -e 'const u=new URL(process.argv[1]);u.pathname="/"+process.argv[2];console.log(u.href)' \
  "$PG_ADMIN_URL" "$run_id")"

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$run_id\" WITH (FORCE)" >/dev/null 2>&1 \
    && echo "# dropped database $run_id" || echo "# could not drop database $run_id" >&2
  # The runtime login role the migrator made for it (<database>_runtime) is cluster-wide: it goes too.
  psql "$PG_ADMIN_URL" -q -c "DROP ROLE IF EXISTS \"${run_id}_runtime\"" >/dev/null 2>&1 || true
  redis-cli -u "$REDIS_URL" --scan --pattern "$run_id:*" | xargs -r -n 100 redis-cli -u "$REDIS_URL" del >/dev/null || true
  if [ "$status" -ne 0 ]; then
    for log in "$work"/api*.log; do
      [ -f "$log" ] && { echo "# --- last lines of $(basename "$log")"; tail -n 20 "$log" | sed 's/^/# /'; }
    done
  fi
  if [ "${KEEP_LOGS:-}" = 1 ]; then echo "# logs kept in $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$run_id\"" >/dev/null
echo "# created database $run_id; Redis keys under $run_id: in $REDIS_URL"

secret_key="$(secret 48 base64)"
encryption_key="$(secret 32 base64)"
metrics_token="$(secret 32 hex)"
port1="${PORT1:-$(free_port)}"
port2="${PORT2:-$(free_port)}"
while [ "$port2" = "$port1" ]; do port2="$(free_port)"; done

# What `npm start` runs: the bundle of src/ (see scripts/build.js).
node scripts/build.js

# Both start at once, as a deployment's instances do: the migrations must still run exactly once.
for i in 1 2; do
  port_var="port$i"
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
    NODE_ENV=production HOST=127.0.0.1 PORT="${!port_var}" TRUSTED_PROXIES=127.0.0.1 \
    DATABASE_URL="$database_url" REDIS_URL="$REDIS_URL" REDIS_KEY_PREFIX="$run_id:" \
    SECRET_KEY="$secret_key" ENCRYPTION_KEY="$encryption_key" METRICS_TOKEN="$metrics_token" \
    DATA_DIR="$work/data$i" LOG_LEVEL=info \
    node --enable-source-maps --max-old-space-size=512 --max-semi-space-size=32 dist/main.js >"$work/api$i.log" 2>&1 &
  pids+=("$!")
done
echo "# instance 1 on 127.0.0.1:$port1, instance 2 on 127.0.0.1:$port2"

API1="http://127.0.0.1:$port1" API2="http://127.0.0.1:$port2" METRICS_TOKEN="$metrics_token" \
  node ops/deploy/check-topology.mjs

expected="$(find migrations -maxdepth 1 -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l | tr -d ' ')"
recorded="$(psql "$database_url" -tA -c 'SELECT count(*) || '"' '"' || count(DISTINCT version) FROM schema_migrations')"
appliers="$(grep -l '"message":"migrations applied"' "$work"/api*.log | wc -l | tr -d ' ')"
if [ "$recorded" = "$expected $expected" ] && [ "$appliers" = 1 ]; then
  echo "ok - all $expected migrations applied, once, by one of the two instances"
else
  echo "not ok - migrations: $recorded recorded of $expected, applied by $appliers instance(s)"
  exit 1
fi
