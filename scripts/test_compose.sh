#!/usr/bin/env bash
# `make test-compose`: the production stack on a real Docker engine, driven as an operator would.
#
# Starts the engine with ../shared/dockerlab/up.sh, copies the working tree to a scratch folder
# (so the operator's .env, uploads/ and backups/ are never touched), writes a .env with random
# secrets, runs `docker compose up -d --build --wait` and checks health, limits, users, data,
# backups, restores and a database outage through the real containers. `docker compose down -v`
# runs at the end whatever happened.
#
# Exit 0: every check passed. Exit 1: a check failed. When the Docker engine itself cannot
# start, the reason is written to test-artifacts/compose/engine-unavailable (read by .ci/run).
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCKERLAB=${DOCKERLAB:-$ROOT/../shared/dockerlab/up.sh}
ARTIFACTS=$ROOT/test-artifacts/compose
BASE=http://127.0.0.1:8000
API=$BASE/api/v1
export COMPOSE_PROJECT_NAME=frota_e2e    # never the operator's own `frota` project
started=$(date +%s)
checks=0

say() { printf 'test-compose: %s\n' "$*"; }
ok() { checks=$((checks + 1)); printf 'test-compose: ok   %s\n' "$*"; }
fail() { printf 'test-compose: FAIL %s\n' "$*"; exit 1; }
trap 'fail "unexpected error (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS/engine-unavailable"

# --- the engine ---------------------------------------------------------------------------------
say "starting the Docker engine ($DOCKERLAB)"
up_rc=0
if [[ -x $DOCKERLAB ]]; then
  "$DOCKERLAB" "$ROOT" >"$ARTIFACTS/dockerlab.log" 2>&1 || up_rc=$?
else
  # A server with its own Docker (and a registry for the base images) needs no dockerlab.
  echo "dockerlab not found at $DOCKERLAB" >"$ARTIFACTS/dockerlab.log"
  say "no dockerlab at $DOCKERLAB: using the machine's own Docker engine, if it answers"
fi
if ! docker info >/dev/null 2>&1; then
  reason=$(grep -v '^$' "$ARTIFACTS/dockerlab.log" | tail -n 1)
  echo "dockerlab up.sh exited $up_rc and the engine does not answer: ${reason:-no output}" \
    >"$ARTIFACTS/engine-unavailable"
  fail "the Docker engine cannot start: $(cat "$ARTIFACTS/engine-unavailable")"
fi
((up_rc == 0)) || fail "dockerlab up.sh exited $up_rc (engine running): see $ARTIFACTS/dockerlab.log"
docker compose version >/dev/null || fail "docker compose v2 is not available"
ok "engine: $(docker info -f 'Docker {{.ServerVersion}}'), $(docker compose version --short 2>/dev/null || echo compose)"

# --- a scratch copy with a generated .env -------------------------------------------------------
WORK=$(mktemp -d /tmp/frota-compose-e2e.XXXXXX)
cleanup() {
  local rc=$?
  trap - ERR
  if [[ -f $WORK/docker-compose.yml ]]; then
    if ((rc != 0)); then
      say "stack state and logs after the failure (also in $ARTIFACTS/logs.txt):"
      (cd "$WORK" && docker compose ps -a && docker compose logs --no-color --tail 60) 2>&1 |
        tee "$ARTIFACTS/logs.txt" | tail -n 120 || true
    fi
    say "docker compose down -v"
    (cd "$WORK" && docker compose down -v --remove-orphans --timeout 20 >/dev/null 2>&1) \
      || say "WARNING: docker compose down -v failed"
  fi
  rm -rf "$WORK"
  say "$([[ $rc == 0 ]] && echo PASSED || echo FAILED): $checks checks in $(($(date +%s) - started)) s"
}
trap cleanup EXIT

if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$ROOT" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -C "$WORK" -xf -
else
  tar -C "$ROOT" --exclude=.git --exclude=.venv --exclude=.data --exclude=.env \
      --exclude='uploads/*' --exclude='backups/*' --exclude=test-artifacts -cf - . | tar -C "$WORK" -xf -
fi
cd "$WORK"
rm -rf uploads backups && mkdir -p uploads backups
secret() { python3 -c "import secrets; print(secrets.token_urlsafe($1))"; }
ADMIN_EMAIL=admin@example.com
ADMIN_PASSWORD=$(secret 18)
# As root, the folders stay root's, as in a fresh clone: the api's entrypoint must take them
# itself, with no chown step. Anyone else builds the image with their own uid.
APP_UID=1000
((EUID == 0)) || APP_UID=$(id -u)
cat >.env <<ENV
ENVIRONMENT=production
SECRET_KEY=$(secret 48)
POSTGRES_PASSWORD=$(secret 24)
ADMIN_EMAIL=$ADMIN_EMAIL
ADMIN_PASSWORD=$ADMIN_PASSWORD
WEB_CONCURRENCY=4
METRICS_TOKEN=$(secret 24)
BACKUP_KEEP_DAYS=14
APP_UID=$APP_UID
APP_GID=$(id -g "$APP_UID" 2>/dev/null || echo "$APP_UID")
ENV
chmod 600 .env
ok "scratch copy in $WORK with a generated .env (random secrets)"

# --- up -----------------------------------------------------------------------------------------
say "docker compose up -d --build --wait"
t0=$(date +%s)
docker compose up -d --build --wait --wait-timeout 240 >"$ARTIFACTS/up.log" 2>&1 \
  || { tail -n 40 "$ARTIFACTS/up.log"; fail "docker compose up -d --build --wait"; }
ok "stack up and healthy in $(($(date +%s) - t0)) s"

# --- health ---------------------------------------------------------------------------------------
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }
[[ $(curl -s --max-time 5 "$BASE/health") == '{"status":"ok"}' ]] || fail "GET /health body"
[[ $(code "$BASE/health") == 200 ]] || fail "GET /health is not 200"
[[ $(code -I "$BASE/health") == 200 ]] || fail "HEAD /health is not 200"
ok "GET and HEAD /health answer 200 {\"status\":\"ok\"}"

# --- the web panel ships inside the image ------------------------------------------------------------
panel=$(curl -s --max-time 5 "$BASE/panel/" || true)
asset=$(grep -o 'assets/[^"]*\.js' <<<"$panel" | head -n 1 || true)
[[ -n $asset ]] || fail "GET /panel/ does not serve the panel's index.html"
[[ $(code "$BASE/panel/$asset") == 200 ]] || fail "panel asset /panel/$asset is not served"
ok "the web panel is served by the api container (/panel/ and /panel/$asset)"

# --- limits, ports, user, workers ---------------------------------------------------------------
cid() { docker compose ps -q "$1"; }
inspect() { docker inspect -f "$2" "$(cid "$1")"; }
[[ $(inspect api '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}}') \
   == "2000000000 1073741824 536870912" ]] || fail "api limits: $(inspect api '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}}')"
for svc in db redis; do
  read -r cpus mem <<<"$(inspect "$svc" '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}')"
  ((cpus > 0 && mem > 0)) || fail "$svc has no CPU or memory limit ($cpus $mem)"
done
ok "limits: api 2.0 CPU / 1 GiB (512 MiB reserved), db $(inspect db '{{.HostConfig.NanoCpus}}' | sed 's/000000000$//') CPU / $(($(inspect db '{{.HostConfig.Memory}}') >> 20)) MiB, redis $(($(inspect redis '{{.HostConfig.Memory}}') >> 20)) MiB"
[[ $(inspect db '{{len .HostConfig.PortBindings}}') == 0 && $(inspect redis '{{len .HostConfig.PortBindings}}') == 0 ]] \
  || fail "db or redis publishes a port on the host"
[[ $(inspect api '{{json .HostConfig.PortBindings}}') == *'"HostPort":"8000"'* ]] || fail "api does not publish 8000"
ok "only the api publishes a port (8000); db and redis publish none"
uid=$(docker compose exec -T api stat -c %u /proc/1)
[[ $uid != 0 ]] || fail "the api container's PID 1 (frota serve) runs as root"
[[ $(stat -c %u uploads) == "$uid" ]] || fail "uploads/ was not given to uid $uid by the entrypoint"
# Docker's healthcheck runs as the image's user (root): it is not the server.
top=$(docker top "$(cid api)" -eo uid,pid,args | grep -v 'urllib.request' || true)
roots=$(awk 'NR > 1 && $1 == 0' <<<"$top" | wc -l)
workers=$(grep -c 'multiprocessing.spawn' <<<"$top" || true)
((roots == 0)) || fail "a process of the api container runs as root: $top"
((workers == 4)) || fail "expected 4 Uvicorn workers, found $workers: $top"
ok "api runs as uid $uid (no root process, uploads/ given to it without a chown step) with $workers Uvicorn workers"
app_role() {
  docker compose exec -T -u frota api python -c 'import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"]) as c:
    print(*c.execute("SELECT current_user, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user").fetchone())'
}
[[ $(app_role) == "frota_app False False False" ]] || fail "the api's database role: $(app_role)"
owners() {  # the owners of the schema's tables and sequences
  docker compose exec -T db psql -X -A -t -U frota -d frota -c \
    "SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S')"
}
[[ $(owners) == frota_app ]] || fail "tables and sequences owned by $(owners)"
ok "the api connects as frota_app (not superuser, no CREATEROLE/CREATEDB), which owns every table and sequence"

# --- data through the API -------------------------------------------------------------------------
login() {
  curl -sf --max-time 10 -d "username=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" \
    "$API/auth/login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
TOKEN=$(login) || fail "admin login with the .env credentials"
add_vehicle() {
  code -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"plate\":\"$1\",\"make\":\"Fiat\",\"model\":\"Strada\",\"year\":2023}" "$API/vehicles"
}
plates() {
  curl -sf --max-time 10 -H "Authorization: Bearer $TOKEN" "$API/vehicles?limit=200" |
    python3 -c 'import json, sys; print(" ".join(sorted(v["plate"] for v in json.load(sys.stdin)["items"])))'
}
[[ $(add_vehicle ABC1234) == 201 && $(add_vehicle BRA2E19) == 201 ]] || fail "creating vehicles"
[[ $(plates) == "ABC1234 BRA2E19" ]] || fail "vehicles listed: $(plates)"
ok "logged in as the .env admin; created vehicles ABC1234 and BRA2E19"

# --- the worker -----------------------------------------------------------------------------------
[[ $(docker compose ps --format '{{.Health}}' worker) == healthy ]] \
  || fail "the worker service is not healthy: $(docker compose ps worker)"
bra=$(curl -sf --max-time 10 -H "Authorization: Bearer $TOKEN" "$API/vehicles?limit=200" |
  python3 -c 'import json, sys; print([v["id"] for v in json.load(sys.stdin)["items"] if v["plate"] == "BRA2E19"][0])')
[[ $(code -X PATCH -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"status":"maintenance"}' "$API/vehicles/$bra") == 200 ]] || fail "grounding BRA2E19"
dispatched=""
for _ in $(seq 40); do
  out=$(docker compose exec -T worker frota worker --check 2>&1) || true
  [[ $out == *"'pending': 0"* ]] && { dispatched=1; break; }
  sleep 0.5
done
[[ -n $dispatched ]] || fail "the worker did not dispatch the vehicle.grounded event: $out"
ok "worker healthy (frota worker --check); the event of grounding BRA2E19 dispatched within seconds"

# A real JPEG, made with the image's own Pillow, uploaded as a driver's damage photo would be.
docker compose exec -T api python -c 'import io, sys; from PIL import Image
buffer = io.BytesIO(); Image.effect_noise((800, 600), 64).convert("RGB").save(buffer, "JPEG")
sys.stdout.buffer.write(buffer.getvalue())' >"$WORK/damage.jpg"
vehicle_id=$(curl -sf --max-time 10 -H "Authorization: Bearer $TOKEN" "$API/vehicles?limit=200" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
PHOTO=$(curl -sf --max-time 30 -H "Authorization: Bearer $TOKEN" -F "file=@$WORK/damage.jpg;type=image/jpeg" \
  -F "vehicle_id=$vehicle_id" -F kind=damage "$API/photos" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') || fail "uploading a photo"
photo_sha() { curl -sf --max-time 10 -H "Authorization: Bearer $TOKEN" "$API/photos/$PHOTO/file" | sha256sum | cut -c1-64; }
SHA=$(sha256sum "$WORK/damage.jpg" | cut -c1-64)
[[ $(photo_sha) == "$SHA" ]] || fail "the uploaded photo is not served with its SHA-256"
ok "uploaded photo $PHOTO (a real JPEG, SHA-256 ${SHA:0:12}...)"

# --- backup ---------------------------------------------------------------------------------------
./backup_db.sh >"$ARTIFACTS/backup.log" 2>&1 || { cat "$ARTIFACTS/backup.log"; fail "./backup_db.sh"; }
mapfile -t made < <(find backups -maxdepth 1 -type f -name 'frota_backup_*.sql.gz' -printf '%f\n')
((${#made[@]} == 1)) || fail "expected one backup, found: ${made[*]}"
[[ ${made[0]} =~ ^frota_backup_[0-9]{8}_[0-9]{6}\.sql\.gz$ ]] || fail "backup name ${made[0]}"
BACKUP=backups/${made[0]}
gzip -t "$BACKUP" || fail "gzip -t $BACKUP"
gzip -dc "$BACKUP" | grep -q -- '-- PostgreSQL database dump complete' || fail "no completion marker"
gzip -dc "$BACKUP" | grep -q 'BRA2E19' || fail "the backup lacks the vehicles"
ok "./backup_db.sh wrote $BACKUP ($(du -h "$BACKUP" | cut -f1), gzip -t ok, completion marker, data inside)"
original=$(docker compose exec -T db psql -X -A -t -U frota -d frota -c "SELECT original_path FROM photos WHERE id = $PHOTO")
[[ -f ${BACKUP%.sql.gz}.photos/$original ]] || fail "the backup's photos lack $original"
grep -q "^$original"$'\t'".*$SHA\$" "${BACKUP%.sql.gz}.manifest.tsv" || fail "the manifest lacks $original with its SHA-256"
ok "the backup holds the photo store (${BACKUP%.sql.gz}.photos) and a manifest with the photo's SHA-256"

# --- restore --------------------------------------------------------------------------------------
docker compose exec -T db psql -X -q -U frota -d frota -c "DELETE FROM photos WHERE id = $PHOTO" >/dev/null
rm -f "uploads/$original"
[[ $(code -H "Authorization: Bearer $TOKEN" "$API/photos/$PHOTO/file") == 404 ]] || fail "the deleted photo is still served"
[[ $(add_vehicle XYZ9A87) == 201 ]] || fail "creating the vehicle after the backup"
[[ $(plates) == "ABC1234 BRA2E19 XYZ9A87" ]] || fail "vehicles before the restore: $(plates)"
if scripts/restore_db.sh "$BACKUP" >"$ARTIFACTS/restore-refused.log" 2>&1; then
  fail "restore_db.sh without --yes did not refuse"
fi
[[ $(plates) == "ABC1234 BRA2E19 XYZ9A87" ]] || fail "a refused restore changed the data"
ok "scripts/restore_db.sh without --yes refuses and changes nothing"
scripts/restore_db.sh "$BACKUP" --yes >"$ARTIFACTS/restore.log" 2>&1 \
  || { cat "$ARTIFACTS/restore.log"; fail "scripts/restore_db.sh --yes"; }
grep -Eq 'vehicles +2$' "$ARTIFACTS/restore.log" || { cat "$ARTIFACTS/restore.log"; fail "row counts"; }
[[ $(code "$BASE/health") == 200 ]] || fail "/health after the restore"
TOKEN=$(login) || fail "login after the restore"
[[ $(plates) == "ABC1234 BRA2E19" ]] || fail "after the restore the vehicles are: $(plates)"
ok "after restore_db.sh --yes: XYZ9A87 (added after the backup) is gone, ABC1234 and BRA2E19 remain; row counts printed"
grep -q "verify: ok: 1 photos" "$ARTIFACTS/restore.log" || { cat "$ARTIFACTS/restore.log"; fail "frota verify after the restore"; }
[[ $(photo_sha) == "$SHA" ]] || fail "after the restore photo $PHOTO is not served with its SHA-256"
ok "restore drill: photo $PHOTO (row and file deleted) is back, served with the same SHA-256; frota verify ok"
rm -f "uploads/$original"
if docker compose exec -T -u frota api frota verify >"$ARTIFACTS/verify.log" 2>&1; then fail "frota verify passed with a file removed"; fi
grep -q "missing file $original" "$ARTIFACTS/verify.log" || { cat "$ARTIFACTS/verify.log"; fail "frota verify did not name $original"; }
cp -p "${BACKUP%.sql.gz}.photos/$original" "uploads/$original"
ok "frota verify exits non-zero and names $original when it is removed by hand"
[[ $(owners) == frota_app ]] || fail "after the restore, tables and sequences owned by $(owners)"
ok "after the restore frota_app owns the restored tables and sequences again"

# --- upgrade of a stack whose api used the superuser ----------------------------------------------
docker compose stop api >/dev/null 2>&1
docker compose exec -T db psql -X -q -v ON_ERROR_STOP=1 -U frota -d frota \
  -c "REASSIGN OWNED BY frota_app TO frota" -c "DROP OWNED BY frota_app" -c "DROP ROLE frota_app" \
  -c "ALTER ROLE frota PASSWORD 'the-old-superuser-password'" >/dev/null
docker compose up -d --wait --wait-timeout 180 >"$ARTIFACTS/upgrade.log" 2>&1 \
  || { tail -n 40 "$ARTIFACTS/upgrade.log"; fail "docker compose up -d after the role was removed"; }
[[ $(app_role) == "frota_app False False False" ]] || fail "after the upgrade the api's role is: $(app_role)"
TOKEN=$(login) || fail "login after the upgrade"
[[ $(plates) == "ABC1234 BRA2E19" ]] || fail "data after the upgrade: $(plates)"
ok "a stack whose tables the superuser owned (no frota_app): docker compose up -d moves them to frota_app, data intact"

# --- a reverse proxy on the host ------------------------------------------------------------------
curl -sf --max-time 5 -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'X-Forwarded-For: 203.0.113.7' \
  "$API/vehicles" || fail "GET /vehicles with X-Forwarded-For"
sleep 1
docker compose logs --no-color api 2>&1 | grep '"client_ip":"203.0.113.7"' >/dev/null \
  || fail "X-Forwarded-For from the host was not trusted with FORWARDED_ALLOW_IPS=127.0.0.1: $(docker compose logs --no-color api | grep -o '"client_ip":"[^"]*"' | tail -n 1)"
ok "FORWARDED_ALLOW_IPS=127.0.0.1 (the default) trusts a proxy on the host: the log names the client 203.0.113.7"

# --- the audit log: logins and writes logged, and the app's own role cannot erase them ------------
audit_rows() {
  docker compose exec -T db psql -X -A -t -U frota -d frota -c "SELECT count(*) FROM audit_log WHERE action = '$1'"
}
(($(audit_rows login) >= 1 && $(audit_rows create) >= 2)) || fail "audit_log lacks the logins and writes: $(audit_rows login) logins"
erase=$(docker compose exec -T -u frota api python -c 'import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"]) as c:
    try:
        c.execute("DELETE FROM audit_log")
        print("deleted")
    except psycopg.Error as exc:
        print(type(exc).__name__, str(exc).splitlines()[0])' 2>&1)
[[ $erase == *"append-only"* ]] || fail "DELETE FROM audit_log as frota_app: $erase"
ok "audit_log holds the logins and writes; DELETE as frota_app is refused ($erase)"

# --- resumable upload (tus), the curl steps of docs/api.md -----------------------------------------
docker compose exec -T api python -c 'import io, sys; from PIL import Image
buffer = io.BytesIO(); Image.effect_noise((1600, 1200), 64).convert("RGB").save(buffer, "JPEG")
sys.stdout.buffer.write(buffer.getvalue())' >"$WORK/resumable.jpg"
b64() { printf %s "$1" | base64 -w0; }
size=$(stat -c %s "$WORK/resumable.jpg")
tus=(-H "Authorization: Bearer $TOKEN" -H 'Tus-Resumable: 1.0.0')
octets=(-H 'Content-Type: application/offset+octet-stream')
url=$(curl -sfi --max-time 10 -X POST "${tus[@]}" -H "Upload-Length: $size" \
  -H "Upload-Metadata: vehicle_id $(b64 "$vehicle_id"),kind $(b64 damage)" "$API/uploads" |
  tr -d '\r' | sed -n 's/^location: //Ip')
[[ $url == "$API/uploads/"* ]] || fail "POST /uploads gave Location '$url'"
head -c $((size / 2)) "$WORK/resumable.jpg" | curl -sf --max-time 10 -o /dev/null -X PATCH "${tus[@]}" \
  "${octets[@]}" -H 'Upload-Offset: 0' --data-binary @- "$url" || fail "the first PATCH"
offset=$(curl -sfI --max-time 10 "${tus[@]}" "$url" | tr -d '\r' | sed -n 's/^upload-offset: //Ip')
[[ $offset == $((size / 2)) ]] || fail "HEAD says offset '$offset', not $((size / 2))"
photo_location=$(tail -c +$((offset + 1)) "$WORK/resumable.jpg" | curl -sfi --max-time 30 -X PATCH \
  "${tus[@]}" "${octets[@]}" -H "Upload-Offset: $offset" --data-binary @- "$url" |
  tr -d '\r' | sed -n 's/^photo-location: //Ip')
[[ -n $photo_location ]] || fail "the last PATCH gave no Photo-Location"
[[ $(curl -sf --max-time 10 -H "Authorization: Bearer $TOKEN" "$BASE$photo_location/file" | sha256sum | cut -c1-64) \
  == $(sha256sum "$WORK/resumable.jpg" | cut -c1-64) ]] || fail "the resumable upload's photo is not served with its SHA-256"
ok "resumable upload (tus) in two PATCHes with a HEAD between: $photo_location served with the file's SHA-256"

# --- database outage ------------------------------------------------------------------------------
before=$(inspect api '{{.State.StartedAt}} {{.RestartCount}}')
docker compose stop db >/dev/null 2>&1
t0=$(date +%s.%N)
status=""
while [[ $status != 503 ]]; do
  status=$(code "$BASE/health")
  elapsed=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')")
  python3 -c "import sys; sys.exit($elapsed > 5)" || fail "/health still $status ${elapsed}s after stopping db"
  [[ $status == 503 ]] || sleep 0.25
done
# Each worker reuses its last answer for up to 1 s (api/health/service.py CACHE_SECONDS), and
# fresh connections go to every worker in turn: past that second, all of them must say 503.
sleep 1.1
for _ in 1 2 3 4; do
  [[ $(code -I "$BASE/health") == 503 ]] || fail "HEAD /health is not 503 with the db stopped"
  [[ $(code "$BASE/health") == 503 ]] || fail "GET /health is not 503 on every worker"
done
ok "docker compose stop db: /health answers 503 after ${elapsed}s, then on every worker (GET and HEAD)"

count_backups() { find backups -maxdepth 1 -type f -name '*frota_backup_*' | wc -l; }
n=$(count_backups)
if ./backup_db.sh >"$ARTIFACTS/backup-fail.log" 2>&1; then fail "backup_db.sh succeeded with the db stopped"; fi
[[ $(count_backups) == "$n" ]] || fail "a failed backup left a file: $(ls -a backups)"
grep -q 'FAILED' "$ARTIFACTS/backup-fail.log" || fail "no FAILED line from the failed backup"
ok "failed pg_dump (db stopped): non-zero exit, no new file, said: $(grep FAILED "$ARTIFACTS/backup-fail.log" | cut -c1-90)..."

docker compose start db >/dev/null 2>&1
t0=$(date +%s)
until [[ $(code "$BASE/health") == 200 ]]; do
  (($(date +%s) - t0 < 90)) || fail "/health not 200 within 90 s of starting db"
  sleep 1
done
[[ $(inspect api '{{.State.StartedAt}} {{.RestartCount}}') == "$before" ]] \
  || fail "the api was restarted during the outage"
TOKEN=$(login) || fail "login after the outage"
[[ $(plates) == "ABC1234 BRA2E19" ]] || fail "data after the outage: $(plates)"
ok "docker compose start db: /health 200 again after $(($(date +%s) - t0)) s, api not restarted, data intact"
