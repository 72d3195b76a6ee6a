# shellcheck shell=bash disable=SC2034  # sourced: its variables are the caller's
# Shared by backup_db.sh and scripts/restore_db.sh (sourced, not run).
# Two modes: with DATABASE_URL set, local client tools talk to that server ("local");
# otherwise the tools inside the compose stack's `db` container are used ("compose").

DUMP_MARKER='-- PostgreSQL database dump complete'
# The compose stack's role and database (docker-compose.yml, service db).
STACK_DB_USER=frota
STACK_DB_NAME=frota

# The photo store on the host: the compose stack's bind mount ./uploads (UPLOAD_DIR elsewhere),
# and what in it is not a photo (uploads being received). For rsync.
PHOTO_STORE=${UPLOAD_DIR:-$ROOT/uploads}
PHOTO_STORE_EXCLUDES=(--exclude=/.tmp/ --exclude=/.partial/)

say() { printf '%s: %s\n' "$PROG" "$*"; }

# psql on the target database (with DATABASE_URL: local tools, after find_local_tools has set
# PG_BIN_DIR and the caller `url`); extra arguments are psql's.
run_psql() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    "$PG_BIN_DIR/psql" -X -q -d "$url" "$@"
  else
    docker compose exec -T db psql -X -q --username="$STACK_DB_USER" --dbname="$STACK_DB_NAME" "$@"
  fi
}
# The reason the caller's ERR trap prints in its one FAILED line.
REASON=""
reason() { REASON="$*"; return 1; }

# libpq wants postgresql://; the app also accepts SQLAlchemy's postgresql+psycopg:// (and +psycopg2).
libpq_url() {
  local url=$1
  url=${url/#postgresql+psycopg2:\/\//postgresql://}
  url=${url/#postgresql+psycopg:\/\//postgresql://}
  printf '%s' "${url/#postgres:\/\//postgresql://}"
}

# Directories that may hold PostgreSQL client programs, most specific first.
pg_bin_candidates() {
  local d
  [[ -n ${PG_BIN:-} ]] && printf '%s\n' "$PG_BIN"
  for d in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin /usr/local/pgsql/bin \
           "$ROOT"/.venv/lib/python3*/site-packages/pgserver/pginstall/bin; do
    [[ -x $d/pg_dump ]] && printf '%s\n' "$d"
  done
  command -v pg_dump >/dev/null 2>&1 && dirname "$(command -v pg_dump)"
  return 0
}

# Major version of a client program: "pg_dump (PostgreSQL) 16.4" -> 16.
client_major() {
  "$1" --version 2>/dev/null | sed -nE 's/^[^0-9]*([0-9]+).*/\1/p' | head -n1
}

# Sets PG_BIN_DIR to client tools of the server's own major version (pg_dump refuses newer
# servers, and its output is only guaranteed to load into its own version or newer).
find_local_tools() {
  local url=$1 d psql_any="" version server_major
  export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}
  while read -r d; do
    [[ -x $d/psql ]] && { psql_any=$d/psql; break; }
  done < <(pg_bin_candidates)
  [[ -n $psql_any ]] || { reason "no psql found; install postgresql-client or set PG_BIN"; return 1; }
  version=$("$psql_any" -X -A -t -q -d "$url" -c 'SHOW server_version_num') \
    || { reason "cannot connect to DATABASE_URL's server (error above)"; return 1; }
  server_major=$(( version / 10000 ))
  while read -r d; do
    if [[ -x $d/pg_dump && -x $d/psql && $(client_major "$d/pg_dump") == "$server_major" ]]; then
      PG_BIN_DIR=$d
      return 0
    fi
  done < <(pg_bin_candidates)
  reason "no pg_dump $server_major found (the server is PostgreSQL $server_major);" \
         "install postgresql-client-$server_major or set PG_BIN to its bin directory"
}

# `gzip -t` and the dump's completion marker: what a complete pg_dump archive has.
verify_archive() {
  local file=$1 tail_lines
  gzip -t "$file" 2>/dev/null || { reason "$file is not a valid gzip file (truncated or corrupt)"; return 1; }
  tail_lines=$(gzip -dc "$file" | tail -n 10)
  [[ $tail_lines == *"$DUMP_MARKER"* ]] \
    || { reason "$file lacks the '$DUMP_MARKER' line (the dump did not finish)"; return 1; }
}
