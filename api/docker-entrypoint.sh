#!/bin/sh
# Container entrypoint: fail early, with the fix, when the bind-mounted folders are not writable
# by the api's non-root user; then exec the command so that it is PID 1 and gets SIGTERM.
set -eu

for dir in "${UPLOAD_DIR:-/app/uploads}" "${BACKUP_DIR:-/app/backups}"; do
  if ! [ -d "$dir" ] || ! [ -w "$dir" ]; then
    echo "frota: $dir is not writable by uid $(id -u); on the host, in the project folder:" \
         "sudo chown -R $(id -u):$(id -g) uploads backups" >&2
    exit 1
  fi
done

exec "$@"
