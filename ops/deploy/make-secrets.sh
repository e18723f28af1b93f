#!/usr/bin/env bash
# Writes the compose deployment's secrets (random, one file each) to ops/deploy/secrets/ and, if
# there is none, a self-signed TLS certificate to ops/deploy/certs/ for trying the stack locally.
# Existing files are kept: run it again safely; delete a file to regenerate it (rotation: see
# ops/runbooks/key-rotation.md, which also says how to rotate without logging everyone out).
#
# Both directories are git-ignored. The directory is 0700 so only the owner reaches the files; the
# files themselves are 0644 because each container reads them as its own unprivileged user.
set -euo pipefail
cd "$(dirname "$0")"
command -v openssl >/dev/null || { echo "make-secrets: openssl is required" >&2; exit 1; }

umask 022
mkdir -p secrets certs
chmod 0700 secrets certs

write() { # name value
  if [ -s "secrets/$1" ]; then
    echo "kept      secrets/$1"
  else
    printf '%s' "$2" > "secrets/$1"
    chmod 0644 "secrets/$1"
    echo "generated secrets/$1"
  fi
}

write secret_key "$(openssl rand -base64 48 | tr -d '\n')"
write encryption_key "$(openssl rand -base64 32 | tr -d '\n')"
write metrics_token "$(openssl rand -hex 32)"
write postgres_password "$(openssl rand -hex 24)"
write redis_password "$(openssl rand -hex 24)"
write grafana_admin_password "$(openssl rand -hex 16)"
# The URLs carry the passwords above (hex, so nothing needs escaping).
write database_url "postgres://tradewise:$(cat secrets/postgres_password)@postgres:5432/tradewise"
write redis_url "redis://:$(cat secrets/redis_password)@redis:6379/0"

if [ ! -s certs/fullchain.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=${TLS_HOSTNAME:-localhost}" -addext "subjectAltName=DNS:${TLS_HOSTNAME:-localhost}" \
    -keyout certs/privkey.pem -out certs/fullchain.pem 2>/dev/null
  chmod 0644 certs/privkey.pem certs/fullchain.pem
  echo "generated certs/fullchain.pem (self-signed for ${TLS_HOSTNAME:-localhost}: replace it with a real one)"
fi
