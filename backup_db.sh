#!/usr/bin/env bash
# Back up Frota's database to backups/frota_backup_YYYYMMDD_HHMMSS.sql.gz.
#
#   ./backup_db.sh                                   # pg_dump inside the compose stack's db container
#   DATABASE_URL=postgresql://u:p@host/db ./backup_db.sh   # local pg_dump of the server's major version
#
# BACKUP_DIR (default ./backups) and BACKUP_KEEP_DAYS (default: .env's, else 14) may be set.
# A backup is three things with one timestamp: the dump (frota_backup_TS.sql.gz), a copy of the
# photo store (frota_backup_TS.photos/, rsync --link-dest: files unchanged since the previous
# backup are hard links to it, so each night costs only the new photos) and its manifest
# (frota_backup_TS.manifest.tsv: path, size, SHA-256). Each is made under a temporary name and
# renamed only after `gzip -t` passes, the dump's completion marker is there and every photo
# row of the database has its files in the copy, the original with the row's SHA-256. Backups
# older than BACKUP_KEEP_DAYS are then deleted, never the one just made. Any failure: one
# "FAILED" line, no new backup, non-zero exit. UPLOAD_DIR: the photo store (default ./uploads,
# the compose stack's bind mount).
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
tmp_photos="" tmp_manifest=""
trap 'rm -rf -- ${tmp:+"$tmp"} ${tmp_photos:+"$tmp_photos"} ${tmp_manifest:+"$tmp_manifest"}' EXIT
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
dir=$(cd "$dir" && pwd)
[[ -w $dir ]] || reason "$dir is not writable"
[[ -d $PHOTO_STORE ]] || reason "the photo store $PHOTO_STORE is not a folder (UPLOAD_DIR)"
command -v rsync >/dev/null || reason "rsync is needed for the photos (apt-get install rsync)"

ts=$(date +%Y%m%d_%H%M%S)
while [[ -e $dir/frota_backup_$ts.sql.gz ]]; do sleep 1; ts=$(date +%Y%m%d_%H%M%S); done
final=$dir/frota_backup_$ts.sql.gz
tmp=$dir/.frota_backup_$ts.sql.gz.partial
tmp_photos=$dir/.frota_backup_$ts.photos.partial
tmp_manifest=$dir/.frota_backup_$ts.manifest.tsv.partial

if [[ -n ${DATABASE_URL:-} ]]; then
  step="finding pg_dump for DATABASE_URL's server"
  url=$(libpq_url "$DATABASE_URL")
  find_local_tools "$url"
fi
# Every photo whose row the dump holds was on disk before the dump began (a file is stored
# before its row): the copy made after the dump has them all.
step="connecting to the database"
dump_started=$(run_psql -A -t -c 'SELECT now()')
if [[ -n ${DATABASE_URL:-} ]]; then
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

step="copying the photos (rsync)"
previous=$(find "$dir" -maxdepth 1 -type d -name 'frota_backup_*.photos' | sort | tail -n 1)
rsync -a ${previous:+--link-dest="$previous"} "${PHOTO_STORE_EXCLUDES[@]}" \
  -- "$PHOTO_STORE/" "$tmp_photos/"
step="writing the photos' manifest"
# SHA-256 of the files copied now (one link); a file linked to the previous backup keeps the
# hash its manifest has.
previous_manifest=${previous%.photos}.manifest.tsv
[[ -n $previous && -f $previous_manifest ]] || previous_manifest=/dev/null
awk -F '\t' -v OFS='\t' '
  FILENAME == ARGV[1] { if (FNR > 1) known[$1] = $3; next }
  FILENAME == ARGV[2] { split($0, f, "  "); fresh[substr($0, 67)] = f[1]; next }
  BEGIN { print "path", "size", "sha256" }
  { sha = ($1 in fresh) ? fresh[$1] : known[$1]
    if (sha == "") { print "no hash for " $1 > "/dev/stderr"; exit 1 }
    print $1, $2, sha }' \
  "$previous_manifest" \
  <(cd "$tmp_photos" && find . -type f -links 1 -printf '%P\0' | xargs -0 -r sha256sum --) \
  <(cd "$tmp_photos" && find . -type f -printf '%P\t%s\n' | sort) >"$tmp_manifest"
files=$(($(wc -l <"$tmp_manifest") - 1))

step="checking the photos against the database"
problems=$(run_psql -A -t -F $'\t' -v ON_ERROR_STOP=1 -c "
  SELECT id, original_path, sha256, thumbnail_path, coalesce(display_path, '') FROM photos
  WHERE pruned_at IS NULL AND created_at <= '$dump_started'" |
  awk -F '\t' '
    FILENAME == ARGV[1] { sha[$1] = $3; next }
    !($2 in sha) { print "photo " $1 ": " $2 " is not in the copy"; next }
    sha[$2] != $3 { print "photo " $1 ": " $2 " does not match its SHA-256" }
    !($4 in sha) { print "photo " $1 ": " $4 " is not in the copy" }
    $5 != "" && !($5 in sha) { print "photo " $1 ": " $5 " is not in the copy" }' "$tmp_manifest" -)
[[ -z $problems ]] || { printf '%s\n' "$problems" | head -n 20 >&2
  reason "$(wc -l <<<"$problems") photo file(s) missing or changed (listed above; frota verify checks the store)"; }
linked_to=${previous:+${previous##*/}}
say "photos: $files files in frota_backup_$ts.photos (unchanged ones linked to ${linked_to:-no earlier backup}), each photo row checked against the manifest"

step="renaming the backup"
mv -- "$tmp_photos" "$dir/frota_backup_$ts.photos"
tmp_photos=""
mv -- "$tmp_manifest" "$dir/frota_backup_$ts.manifest.tsv"
tmp_manifest=""
mv -- "$tmp" "$final"
tmp=""
sync -- "$final" 2>/dev/null || true
say "wrote $final, frota_backup_$ts.photos and frota_backup_$ts.manifest.tsv"

step="applying retention ($keep_days days)"
removed=0
while IFS= read -r -d '' old; do
  rm -rf -- "${old%.sql.gz}.photos" "${old%.sql.gz}.manifest.tsv"
  rm -f -- "$old"
  removed=$((removed + 1))
done < <(find "$dir" -maxdepth 1 -type f -name 'frota_backup_*.sql.gz' ! -name "${final##*/}" \
           -mmin +$((keep_days * 1440)) -print0)
# Leftovers of runs that were killed (kill -9, reboot) before their own clean-up.
find "$dir" -maxdepth 1 -name '.frota_backup_*.partial' -mmin +1440 -exec rm -rf -- {} +
kept=$(find "$dir" -maxdepth 1 -type f -name 'frota_backup_*.sql.gz' | wc -l)
say "retention: removed $removed backup(s) older than $keep_days days; $kept kept, newest ${final##*/}"
