#!/bin/sh
# One-shot schema set-up of Temporal's two PostgreSQL databases (persistence and visibility).
# Runs in the official temporalio/admin-tools image; safe to run again: existing databases are
# kept and update-schema only applies the versions not applied yet.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT}"
tries=0
until nc -z "${POSTGRES_SEEDS}" "${DB_PORT}"; do
  tries=$((tries + 1))
  if [ "${tries}" -ge 60 ]; then
    echo "PostgreSQL did not answer within 60s" >&2
    exit 1
  fi
  sleep 1
done

sql() {
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -p "${DB_PORT}" -u "${POSTGRES_USER}" "$@"
}

for pair in "${DBNAME}:temporal" "${VISIBILITY_DBNAME}:visibility"; do
  db="${pair%%:*}"
  schema="${pair##*:}"
  # `create` fails when the database exists (a restart): that is fine, the schema steps below decide.
  sql --db "${db}" create || echo "database ${db} exists already"
  sql --db "${db}" setup-schema -v 0.0
  sql --db "${db}" update-schema -d "${SCHEMA_ROOT}/${schema}/versioned"
done
echo "PostgreSQL schemas of ${DBNAME} and ${VISIBILITY_DBNAME} are up to date"
