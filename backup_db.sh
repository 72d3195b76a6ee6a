#!/usr/bin/env bash
# Back up Frota's database to backups/frota_backup_YYYYMMDD_HHMMSS.sql.gz.
#
#   ./backup_db.sh                                   # pg_dump inside the compose stack's db container
#   DATABASE_URL=postgresql://u:p@host/db ./backup_db.sh   # local pg_dump of the server's major version
#
# BACKUP_DIR (default ./backups) and BACKUP_KEEP_DAYS (default: .env's, else 14) may be set.
# The dump is written under a temporary name and renamed only after `gzip -t` passes and the
# dump's completion marker is there; backups older than BACKUP_KEEP_DAYS are then deleted,
# never the one just made. Any failure: one "FAILED" line, no new file, non-zero exit.
set -Eeuo pipefail

PROG=backup_db
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/pg.sh
source scripts/lib/pg.sh

umask 077  # a dump holds password hashes: readable by its owner only
step="starting"
tmp=""
on_error() {
  local rc=$?
  say "FAILED while $step: ${REASON:-exit status $rc}; no backup was written"
  exit "$rc"
}
trap on_error ERR
trap '[[ -z $tmp ]] || rm -f -- "$tmp"' EXIT
trap 'say "FAILED while $step: interrupted; no backup was written"; exit 130' INT TERM

env_file_value() {  # a value from .env, without sourcing it (cron has no environment)
  [[ -f .env ]] || return 0
  sed -nE "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*['\"]?([^'\"#[:space:]]*).*/\\1/p" .env | tail -n 1
}

step="reading the configuration"
keep_days=${BACKUP_KEEP_DAYS:-$(env_file_value BACKUP_KEEP_DAYS)}
keep_days=${keep_days:-14}
[[ $keep_days =~ ^[1-9][0-9]*$ ]] || reason "BACKUP_KEEP_DAYS must be a whole number >= 1, not '$keep_days'"
dir=${BACKUP_DIR:-$ROOT/backups}
mkdir -p -- "$dir"
[[ -w $dir ]] || reason "$dir is not writable"

ts=$(date +%Y%m%d_%H%M%S)
while [[ -e $dir/frota_backup_$ts.sql.gz ]]; do sleep 1; ts=$(date +%Y%m%d_%H%M%S); done
final=$dir/frota_backup_$ts.sql.gz
tmp=$dir/.frota_backup_$ts.sql.gz.partial

if [[ -n ${DATABASE_URL:-} ]]; then
  step="finding pg_dump for DATABASE_URL's server"
  url=$(libpq_url "$DATABASE_URL")
  find_local_tools "$url"
  step="dumping the database (local $PG_BIN_DIR/pg_dump)"
  say "dumping DATABASE_URL's database with $PG_BIN_DIR/pg_dump into $tmp"
  "$PG_BIN_DIR/pg_dump" --dbname="$url" --no-owner | gzip -c >"$tmp"
else
  step="dumping the database (docker compose exec -T db pg_dump)"
  say "dumping database '$STACK_DB_NAME' from the compose service db into $tmp"
  docker compose exec -T db pg_dump --username="$STACK_DB_USER" --dbname="$STACK_DB_NAME" \
    --no-owner | gzip -c >"$tmp"
fi

step="verifying the archive"
verify_archive "$tmp"
size=$(du -h -- "$tmp" | cut -f1)
say "verified: gzip -t passed and the completion marker is present ($size)"

step="renaming the archive"
mv -- "$tmp" "$final"
tmp=""
sync -- "$final" 2>/dev/null || true
say "wrote $final"

step="applying retention ($keep_days days)"
removed=0
while IFS= read -r -d '' old; do
  rm -f -- "$old"
  removed=$((removed + 1))
done < <(find "$dir" -maxdepth 1 -type f -name 'frota_backup_*.sql.gz' ! -name "${final##*/}" \
           -mmin +$((keep_days * 1440)) -print0)
# Leftovers of runs that were killed (kill -9, reboot) before their own clean-up.
find "$dir" -maxdepth 1 -type f -name '.frota_backup_*.partial' -mmin +1440 -delete
kept=$(find "$dir" -maxdepth 1 -type f -name 'frota_backup_*.sql.gz' | wc -l)
say "retention: removed $removed backup(s) older than $keep_days days; $kept kept, newest ${final##*/}"
