#!/bin/sh
# Container entrypoint. The image starts as root only for this: it gives the bind-mounted
# uploads/ and backups/ folders to the app user, then runs the command as that user (setpriv,
# from util-linux, as the postgres image does with gosu); the server never runs as root.
# Started as another user (`user:` in compose, `docker run --user`), it only checks the folders.
set -eu

APP_USER=frota
uploads=${UPLOAD_DIR:-/app/uploads}
backups=${BACKUP_DIR:-/app/backups}

# A reverse proxy on the host reaches the container from the Docker network's gateway, not from
# 127.0.0.1: "127.0.0.1" in FORWARDED_ALLOW_IPS (a proxy on this machine) trusts that gateway too.
default_gateway() {  # /proc/net/route holds it as little-endian hex: 0100A8C0 = 192.168.0.1
  while read -r _iface destination gateway _rest; do
    if [ "$destination" = 00000000 ] && [ "$gateway" != 00000000 ]; then
      printf '%d.%d.%d.%d' "0x$(echo "$gateway" | cut -c7-8)" "0x$(echo "$gateway" | cut -c5-6)" \
        "0x$(echo "$gateway" | cut -c3-4)" "0x$(echo "$gateway" | cut -c1-2)"
      return 0
    fi
  done < /proc/net/route
}
trusted=${FORWARDED_ALLOW_IPS:-127.0.0.1}   # the app's default
case ",$trusted," in
  *,127.0.0.1,*)
    gateway=$(default_gateway 2>/dev/null || true)
    [ -z "$gateway" ] || export FORWARDED_ALLOW_IPS="$trusted,$gateway" ;;
esac

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$uploads" "$backups"
  # Photos not owned by the app user yet (a fresh clone, a restore run as root): a no-op on
  # every start after the first. backups/ is only listed by the api: its folder is enough.
  find "$uploads" \! -user "$APP_USER" -exec chown "$APP_USER:$APP_USER" {} +
  chown "$APP_USER:$APP_USER" "$backups"
  exec setpriv --reuid="$APP_USER" --regid="$APP_USER" --init-groups --no-new-privs "$0" "$@"
fi

for dir in "$uploads" "$backups"; do
  if ! [ -d "$dir" ] || ! [ -w "$dir" ]; then
    echo "frota: $dir is not writable by uid $(id -u); on the host, in the project folder:" \
         "sudo chown -R $(id -u):$(id -g) uploads backups (or start the container as root:" \
         "it gives them to the app user itself)" >&2
    exit 1
  fi
done

exec "$@"
