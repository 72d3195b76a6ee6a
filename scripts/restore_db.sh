#!/usr/bin/env bash
# Restore a backup made by ./backup_db.sh into the running stack's database.
#
#   scripts/restore_db.sh backups/frota_backup_20250101_020000.sql.gz          # checks, then refuses
#   scripts/restore_db.sh backups/frota_backup_20250101_020000.sql.gz --yes    # restores
#   DATABASE_URL=postgresql://u:p@host/db scripts/restore_db.sh FILE --yes     # a database outside compose
#
# The archive is verified first (gzip -t, completion marker). The api is stopped, the public
# schema is dropped and the dump loaded in ONE transaction (psql --single-transaction,
# ON_ERROR_STOP): a failure, a truncated stream or Ctrl-C rolls everything back, so the
# database is either the backup or exactly what it was. Then migrations, the photos (rsync
# from the backup's .photos folder; files it lacks are moved aside, never deleted), the api
# again, `frota verify` (every photo row against its file and SHA-256: what is missing is
# listed and the exit status is 1), and row counts per table.
set -Eeuo pipefail

PROG=restore_db
usage() { echo "usage: scripts/restore_db.sh FILE [--yes]" >&2; exit 2; }
file="" yes=0
for arg in "$@"; do
  case $arg in
    --yes | -y) yes=1 ;;
    -*) usage ;;
    *) [[ -z $file ]] || usage; file=$arg ;;
  esac
done
[[ -n $file ]] || usage
[[ $file == /* ]] || file=$PWD/$file

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source-path=SCRIPTDIR source=lib/pg.sh
source scripts/lib/pg.sh

if [[ -n ${DATABASE_URL:-} ]]; then mode=local; else mode=compose; fi
phase=untouched      # untouched -> restoring -> restored
api_stopped=0
step="starting"

on_error() {
  local rc=$? outcome retry="scripts/restore_db.sh $file --yes"
  if (($# > 0)); then rc=$1; fi
  case $phase in
    untouched) outcome="the database was not touched"
               [[ $step != verifying* ]] || retry="pick another backup (ls -t backups/) and re-run with it" ;;
    restoring) outcome="the transaction was rolled back, the database is exactly as it was before" ;;
    restored)
      outcome="the backup IS restored and committed"
      case $step in
        "running migrations")
          retry=$([[ $mode == compose ]] && echo "docker compose run --rm --no-deps api frota migrate && docker compose start api" \
                  || echo "DATABASE_URL=... frota migrate") ;;
        "starting the api") retry="docker compose start api; docker compose logs --tail 50 api" ;;
        "restoring the photos"*) retry="rsync -a ${file%.sql.gz}.photos/ $PHOTO_STORE/, then frota verify" ;;
        *) retry="nothing to redo for the data; only this last report failed" ;;
      esac ;;
  esac
  if [[ $api_stopped == 1 && $phase != restored ]]; then
    if docker compose start api >/dev/null 2>&1; then outcome+="; the api was started again"
    else outcome+="; starting the api failed too (docker compose start api)"; fi
  fi
  say "FAILED while $step: ${REASON:-exit status $rc}; $outcome. Fix the cause above, then: $retry"
  exit "$rc"
}
trap on_error ERR
trap 'REASON="interrupted"; on_error 130' INT TERM

step="verifying $file"
[[ -f $file ]] || reason "no such file"
verify_archive "$file"
say "verified $file: gzip -t passed and the completion marker is present"

target=$([[ $mode == local ]] && echo "DATABASE_URL's database" || echo "database '$STACK_DB_NAME' of the compose stack")
if [[ $yes != 1 ]]; then
  say "REFUSED: this replaces every table of $target with the contents of $file;" \
      "re-run with --yes to go ahead"
  exit 1
fi

step="connecting to the database"
if [[ $mode == local ]]; then
  url=$(libpq_url "$DATABASE_URL")
  find_local_tools "$url"
  command -v frota >/dev/null || [[ -x $ROOT/.venv/bin/frota ]] \
    || reason "the frota command is needed for the migrations (pip install -e . or make install)"
else
  docker compose exec -T db pg_isready -q --username="$STACK_DB_USER" \
    || reason "the db service is not running or not ready (docker compose up -d db)"
  if docker compose ps --status running --services | grep -qx api; then
    step="stopping the api"
    say "stopping the api so that nothing writes during the restore"
    docker compose stop api
    api_stopped=1
  fi
fi

step="restoring $file"
phase=restoring
say "restoring $file into $target in one transaction"
# The stream ends with a marker table; the last psql command fails without it, so a stream cut
# short (gzip error, broken pipe) can never be committed as a partial restore.
{
  printf '%s\n' \
    "SET client_min_messages = warning;" "SET lock_timeout = '60s';" \
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename IN (current_user, 'frota_app');" \
    "DROP SCHEMA IF EXISTS public CASCADE;" \
    "CREATE SCHEMA public;"
  # The dump loads as the superuser that restores it: in the compose stack, the api's role
  # frota_app then gets its objects back (db/app-owner.sql), in the same transaction.
  gzip -dc -- "$file" && { [[ $mode == local ]] || cat db/app-owner.sql; } &&
    printf '%s\n' "CREATE TEMP TABLE frota_restore_stream_complete () ON COMMIT DROP;"
} | run_psql --single-transaction -v ON_ERROR_STOP=1 -f - \
      -c 'SELECT 1 FROM pg_temp.frota_restore_stream_complete' >/dev/null
phase=restored
say "restored; the transaction is committed"

step="running migrations"
say "running migrations (frota migrate)"
if [[ $mode == local ]]; then
  PATH=$ROOT/.venv/bin:$PATH frota migrate
else
  docker compose run --rm --no-deps -T api frota migrate
fi

photos=${file%.sql.gz}.photos
if [[ -d $photos ]]; then
  step="restoring the photos from $photos"
  # The store becomes the backup's: files the backup lacks (photos uploaded since) are moved
  # aside into replaced_TS/ beside the backup, never deleted.
  aside=$(cd "$(dirname "$file")" && pwd)/replaced_$(date +%Y%m%d_%H%M%S)
  say "restoring the photos into $PHOTO_STORE (files the backup lacks go to $aside)"
  rsync -a --delete --backup --backup-dir="$aside" "${PHOTO_STORE_EXCLUDES[@]}" \
    -- "$photos/" "$PHOTO_STORE/"
else
  say "WARNING: $file has no photos beside it (${photos##*/}): the photo store is left as it is"
fi

if [[ $api_stopped == 1 ]]; then
  step="starting the api"
  say "starting the api"
  docker compose start api
  api_stopped=0
  container=$(docker compose ps -q api)
  for _ in $(seq 90); do
    health=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$container")
    [[ $health == healthy || $health == none ]] && break
    sleep 2
  done
  [[ $health == healthy || $health == none ]] \
    || reason "the api is not healthy after 3 minutes (docker compose logs api)"
  say "the api is $health"
fi

step="checking the photos (frota verify)"
say "checking every photo row against its file (frota verify)"
verified=0
if [[ $mode == local ]]; then
  PATH=$ROOT/.venv/bin:$PATH frota verify || verified=$?
else
  docker compose run --rm --no-deps -T api frota verify || verified=$?
fi

step="counting rows"
say "rows per table:"
printf '%s\n' "SELECT format('SELECT %L, count(*) FROM %I.%I', c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname \\gexec" |
  run_psql -A -t -F $'\t' -v ON_ERROR_STOP=1 -f - |
  while IFS=$'\t' read -r table rows; do printf '%s:   %-28s %10s\n' "$PROG" "$table" "$rows"; done
if ((verified != 0)); then
  say "FAILED: $file is restored into $target, but photo files are missing or changed (listed above)"
  exit 1
fi
say "done: $file is restored into $target, with its photos"

