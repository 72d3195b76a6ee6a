#!/usr/bin/env bash
# Cron entry point for the host's crontab (runs as root, from any folder):
#   0 2 * * *   /srv/frota/scripts/cron.sh backup
# (prune-photos runs in `frota worker` daily; `cron.sh prune-photos` runs one at once)
# Runs the job from the project folder, appends its output to $FROTA_LOG_DIR/<job>.log
# (default /var/log/frota), never runs two of the same job at once, and prints nothing on
# success; on failure it prints one line and the end of the log, which cron mails.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH  # cron's PATH is minimal

job=${1:-}
case $job in
  backup) cmd=(./backup_db.sh) ;;
  prune-photos) cmd=(docker compose exec -T -u frota api frota prune-photos) ;;
  *) echo "usage: scripts/cron.sh backup|prune-photos" >&2; exit 2 ;;
esac

log_dir=${FROTA_LOG_DIR:-/var/log/frota}
mkdir -p "$log_dir"
log=$log_dir/$job.log
exec 9>"$log_dir/$job.lock"
if ! flock -n 9; then
  echo "frota $job: FAILED: the previous $job run is still going (lock $log_dir/$job.lock)" >&2
  exit 1
fi

# A backup and a pruning never run at once (pruning deletes files the backup is copying): the
# second waits for the first, up to two hours.
exec 8>"$log_dir/photos.lock"
if ! flock -w 7200 8; then
  echo "frota $job: FAILED: waited 2 h for the other photo job (lock $log_dir/photos.lock)" >&2
  exit 1
fi

rc=0
{
  echo "=== $(date -Is) $job: start"
  "${cmd[@]}" 2>&1 || rc=$?
  echo "=== $(date -Is) $job: exit status $rc"
} >>"$log"
if ((rc != 0)); then
  echo "frota $job: FAILED with exit status $rc on $(hostname); the end of $log:" >&2
  tail -n 20 "$log" >&2
fi
exit "$rc"
