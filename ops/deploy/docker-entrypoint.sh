#!/bin/sh
# Docker secrets convention: for each setting below, FOO_FILE=/run/secrets/foo puts that file's
# content in FOO, so secrets never sit in the compose file, the image or `docker inspect`.
set -eu
for name in SECRET_KEY ENCRYPTION_KEY METRICS_TOKEN DATABASE_URL MIGRATION_DATABASE_URL REDIS_URL REDIS_PASSWORD ALERT_WEBHOOK_URL ALERT_WEBHOOK_SECRET; do
  file=$(printenv "${name}_FILE" || true)
  if [ -n "$file" ]; then
    if [ ! -r "$file" ]; then
      echo "tradewise-entrypoint: ${name}_FILE=$file is not readable" >&2
      exit 78
    fi
    value=$(cat "$file")
    export "$name=$value"
    unset "${name}_FILE"
  fi
done
exec "$@"
