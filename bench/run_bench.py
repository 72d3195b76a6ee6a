"""`make bench`: Frota's read path against a naive FastAPI + ORM baseline, side by side.

On a fresh database (an embedded PostgreSQL, or a new database on BENCH_DATABASE_URL's server,
dropped afterwards) it seeds a fleet (300 vehicles, 300 drivers, 20,000 trips, 5,000 photos
when the photos table exists), starts Frota with 4 workers, warms up, and measures each endpoint
with wrk (64 connections, 10 s); then the same against bench/naive_app.py over the same rows.
One table is printed and the full results are saved under bench/results/.

    make bench                                   # or: .venv/bin/python bench/run_bench.py
    .venv/bin/python bench/run_bench.py --duration 5 --no-baseline
    .venv/bin/python bench/run_bench.py --serve  # seed, start Frota, print a token, wait

Ports come from 8401-8499 only. Environment: BENCH_DATABASE_URL (a PostgreSQL server to create
the bench database on), BENCH_REDIS_URL (rate-limit counters, as in production; default
redis://127.0.0.1:6379/15 when it answers, else the in-memory fallback; `memory` forces it).
"""

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

VEHICLES, DRIVERS, TRIPS, PHOTOS = 300, 300, 20_000, 5_000
MANAGER_EMAIL = "bench-manager@example.com"
# Every seeded account (the manager, driver0..driver299@bench.example.com) has this password.
PASSWORD = os.environ.get("BENCH_PASSWORD") or "bench-password-" + secrets.token_hex(8)
PORTS = range(8401, 8500)
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-admin-" + secrets.token_hex(8)
# Events waiting for the receiver that never answers, in the webhooks phase.
DEAD_BACKLOG = 2_000
TARGETS = {"ratio": 2.5, "p99_ms": 150.0, "health_rps": 4000.0, "uploads_per_s": 20.0}


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# ---- database --------------------------------------------------------------------------------


def fresh_database() -> tuple[str, callable]:
    """A new, empty database URL and a function that removes it (and the embedded server)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from api.db import sqlalchemy_url

    server = None
    admin_url = os.environ.get("BENCH_DATABASE_URL")
    if not admin_url:
        try:
            import pgserver
        except ImportError:
            sys.exit("bench: set BENCH_DATABASE_URL or `pip install pgserver` (in '.[dev]')")
        data_dir = Path(tempfile.mkdtemp(prefix="frota-bench-pg-"))
        say(f"starting an embedded PostgreSQL in {data_dir}")
        server = pgserver.get_server(data_dir, cleanup_mode="delete")
        admin_url = server.get_uri("postgres")
    name = f"frota_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(sqlalchemy_url(admin_url)).set(database=name)
    url = url.render_as_string(hide_password=False).replace(
        "postgresql+psycopg://", "postgresql://"
    )

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if server is not None:
            server.cleanup()

    return url, drop


def migrate(url: str) -> None:
    say("running migrations")
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "api.cli", "migrate"], cwd=ROOT, env=env, check=True)


def _plate(i: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"B{letters[i // 260 % 26]}{letters[i // 10 % 26]}{i % 10}{letters[i % 26]}{i % 100:02d}"


def execute_values(cur, sql: str, rows: list, fetch: bool = False, page_size: int = 1000):
    """`INSERT ... VALUES %s` for many rows, a page of rows per statement; the RETURNING rows."""
    returned = []
    for start in range(0, len(rows), page_size):
        page = rows[start : start + page_size]
        row = "(" + ",".join(["%s"] * len(page[0])) + ")"
        cur.execute(
            sql.replace("%s", ",".join([row] * len(page)), 1),
            [value for values in page for value in values],
        )
        if fetch:
            returned.extend(cur.fetchall())
    return returned


def seed(url: str) -> dict:
    """A realistic fleet, inserted with plain SQL. Returns what the run needs to know."""
    import psycopg

    from api.db import libpq_url
    from api.security import hash_password

    rng = random.Random(6)
    now = datetime.now(UTC)
    password_hash = hash_password(PASSWORD)
    conn = psycopg.connect(libpq_url(url))
    info = {"photos": 0, "photo_note": None}
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "INSERT INTO users (email, name, role, password_hash, password_changed_at) "
            "VALUES (%s, 'Bench Manager', 'manager', %s, now() - interval '1 day') RETURNING id",
            (MANAGER_EMAIL, password_hash),
        )
        info["manager_id"] = cur.fetchone()[0]
        users = execute_values(
            cur,
            "INSERT INTO users (email, name, role, password_hash, password_changed_at) VALUES %s "
            "RETURNING id",
            [
                (
                    f"driver{i}@bench.example.com",
                    f"Driver {i}",
                    "driver",
                    password_hash,
                    now - timedelta(days=1),
                )
                for i in range(DRIVERS)
            ],
            fetch=True,
        )
        makes = [
            ("Fiat", "Strada"),
            ("Volkswagen", "Saveiro"),
            ("Renault", "Master"),
            ("Mercedes-Benz", "Sprinter"),
            ("Toyota", "Hilux"),
            ("Ford", "Ranger"),
            ("Chevrolet", "S10"),
            ("Volvo", "FH 540"),
        ]
        vehicle_ids = [
            r[0]
            for r in execute_values(
                cur,
                "INSERT INTO vehicles (plate, make, model, year, odometer_km, status) VALUES %s "
                "RETURNING id",
                [
                    (
                        _plate(i),
                        *makes[i % len(makes)],
                        2012 + i % 14,
                        0,
                        "maintenance" if i % 37 == 0 else "available",
                    )
                    for i in range(VEHICLES)
                ],
                fetch=True,
            )
        ]
        driver_ids = [
            r[0]
            for r in execute_values(
                cur,
                "INSERT INTO drivers (name, license_number, license_category, license_expiry, "
                "user_id) VALUES %s RETURNING id",
                [
                    (
                        f"Driver {i}",
                        f"{10_000_000_000 + i * 7919:011d}",
                        "BCDE"[i % 4],
                        date.today() + timedelta(days=rng.randint(-20, 1500)),
                        users[i][0],
                    )
                    for i in range(DRIVERS)
                ],
                fetch=True,
            )
        ]
        # Per vehicle, consecutive trips over two years; the last one of every tenth vehicle open.
        trips, odometers, per_vehicle = [], {}, TRIPS // VEHICLES
        start = now - timedelta(days=730)
        for n, vehicle_id in enumerate(vehicle_ids):
            odometer = rng.randint(1_000, 150_000)
            count = per_vehicle + (1 if n < TRIPS - per_vehicle * VEHICLES else 0)
            step = timedelta(days=730) / count
            for k in range(count):
                started = start + step * k + timedelta(minutes=rng.randint(0, 600))
                km = rng.randint(5, 400)
                is_open = k == count - 1 and n % 10 == 0
                driver = driver_ids[n] if is_open else rng.choice(driver_ids)
                finished = None if is_open else started + timedelta(hours=km / 60 + 0.2)
                trips.append(
                    (
                        vehicle_id,
                        driver,
                        odometer,
                        None if is_open else odometer + km,
                        started,
                        finished,
                        rng.choice(["delivery", "client visit", "maintenance run", None]),
                    )
                )
                odometer += 0 if is_open else km
            odometers[vehicle_id] = (odometer, n % 10 == 0)
        trip_rows = execute_values(
            cur,
            "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km, end_odometer_km, "
            "started_at, finished_at, purpose) VALUES %s RETURNING id, vehicle_id",
            trips,
            page_size=2000,
            fetch=True,
        )
        execute_values(
            cur,
            "UPDATE vehicles SET odometer_km = v.km, status = CASE WHEN v.open THEN 'in_use' "
            "ELSE vehicles.status END FROM (VALUES %s) AS v(id, km, open) WHERE vehicles.id = v.id",
            [(vid, km, is_open) for vid, (km, is_open) in odometers.items()],
        )
        info["vehicle_ids"], info["driver_ids"] = vehicle_ids, driver_ids
        info["trips"] = len(trip_rows)
        trips_by_vehicle: dict[int, list[int]] = {}
        for trip_id, vehicle_id in trip_rows:
            trips_by_vehicle.setdefault(vehicle_id, []).append(trip_id)
        cur.execute("SELECT to_regclass('public.photos') IS NOT NULL")
        if cur.fetchone()[0]:
            cur.execute("SAVEPOINT photos")
            try:
                info["photos"] = _seed_photos(cur, rng, vehicle_ids, trips_by_vehicle, now)
            except psycopg.Error as exc:
                cur.execute("ROLLBACK TO SAVEPOINT photos")
                info["photo_note"] = f"photos not seeded: {str(exc).strip().splitlines()[0]}"
        else:
            info["photo_note"] = "photos table absent (photos not built yet): photo rows skipped"
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()
    return info


def _seed_photos(cur, rng, vehicle_ids, trips_by_vehicle, now) -> int:
    """Photo rows only (no files): what a list reads. Unknown required columns get neutral
    values."""
    cur.execute(
        "SELECT column_name, data_type, is_nullable = 'NO' AND column_default IS NULL "
        "FROM information_schema.columns WHERE table_name = 'photos' AND table_schema = 'public' "
        "ORDER BY ordinal_position"
    )
    columns = {name: (dtype, required) for name, dtype, required in cur.fetchall()}
    kinds = ["odometer", "damage", "fuel_receipt", "exterior"]
    rows = []
    for i in range(PHOTOS):
        vehicle_id = vehicle_ids[i % len(vehicle_ids)]
        sha = uuid.UUID(int=rng.getrandbits(128)).hex * 2
        known = {
            "vehicle_id": vehicle_id,
            "trip_id": rng.choice(trips_by_vehicle[vehicle_id]) if i % 5 else None,
            "kind": kinds[i % 4],
            "sha256": sha,
            "size_bytes": rng.randint(800_000, 4_000_000),
            "width": 4000,
            "height": 3000,
            "content_type": "image/jpeg",
            "taken_at": now - timedelta(minutes=i * 200),
            "latitude": -23.55 + rng.random() / 10,
            "longitude": -46.63 + rng.random() / 10,
            "legal_hold": i % 97 == 0,
            "storage_key": f"bench/{sha[:2]}/{sha}.jpg",
            "thumbnail_key": f"bench/{sha[:2]}/{sha}.thumb.jpg",
            "original_filename": f"IMG_{i:05d}.jpg",
            "idempotency_key": f"bench-{i}",
        }
        row = {}
        for name, (dtype, required) in columns.items():
            if name in known:
                row[name] = known[name]
            elif name.endswith("_by_user_id") or name == "user_id":
                row[name] = None
            elif required:
                row[name] = _neutral(name, dtype, i, sha)
        rows.append(row)
    names = list(rows[0])
    execute_values(
        cur,
        f"INSERT INTO photos ({', '.join(names)}) VALUES %s",
        [tuple(r[n] for n in names) for r in rows],
        page_size=1000,
    )
    return len(rows)


def _neutral(name: str, dtype: str, i: int, sha: str):
    if dtype in ("integer", "bigint", "smallint", "numeric", "double precision", "real"):
        return 0
    if dtype == "boolean":
        return False
    if dtype.startswith("timestamp"):
        return datetime.now(UTC)
    if dtype == "date":
        return date.today()
    return f"bench-{name}-{i}-{sha[:12]}"


# ---- servers ---------------------------------------------------------------------------------


def free_port(exclude: set[int]) -> int:
    for port in PORTS:
        if port in exclude:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    sys.exit("bench: no free port in 8401-8499")


class Server:
    """A server process group (master + workers) we started, and its log."""

    def __init__(self, name: str, argv: list[str], env: dict, port: int, log_path: Path):
        self.name, self.port, self.log_path = name, port, log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{port}"

    def wait_ready(self, workers: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as r:
                    if r.status == 200 and len(self.workers()) >= workers:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-3000:]
        sys.exit(f"bench: {self.name} did not become ready on :{self.port}; log tail:\n{tail}")

    def workers(self) -> list[int]:
        """Worker pids: the master's children that run the app (not multiprocessing helpers)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and b"resource_tracker" not in cmdline:
                pids.append(int(stat.parent.name))
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler:
    """Highest resident set size of any one worker while a measurement runs."""

    def __init__(self, pids: list[int]):
        self.pids, self.peak, self._stop = pids, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max([self.peak] + [_rss_mb(p) for p in self.pids])

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max([self.peak] + [_rss_mb(p) for p in self.pids])


def bench_redis() -> str | None:
    """Rate limits are counted in Redis in production: BENCH_REDIS_URL, else a local Redis if
    one answers, else None (the in-memory fallback, which costs differently)."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    if url.lower() in ("", "none", "memory"):
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        say(f"note: no Redis at {url} ({type(exc).__name__}); rate limits counted in memory")
        return None


def start_frota(
    url: str, port: int, workers: int, secret: str, log_dir: Path, redis_url: str | None
) -> Server:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secret,
        "ENVIRONMENT": "production",
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        # The webhooks phase's receiver listens on 127.0.0.1.
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
        # The benchmark measures the read path, not the limiter's refusals.
        "RATE_LIMIT": "1000000/minute",
        "FILE_RATE_LIMIT": "1000000/minute",
        "LOGIN_RATE_LIMIT": "1000/minute",
        # Recycling a worker every 10,000 requests is hours in production, seconds here.
        "MAX_REQUESTS": "0",
        "UPLOAD_DIR": str(log_dir / "uploads"),
    }
    env.pop("METRICS_TOKEN", None)
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["RATE_LIMIT_PREFIX"] = f"frota-bench-{secrets.token_hex(4)}"
    say(f"starting Frota with {workers} workers on :{port}")
    server = Server(
        "Frota", [sys.executable, "-m", "api.cli", "serve"], env, port, log_dir / "frota.log"
    )
    server.wait_ready(workers)
    server.env = env
    return server


def start_worker(env: dict, log_dir: Path) -> subprocess.Popen:
    """`frota worker` beside the API, as `make run` and compose run it."""
    log = open(log_dir / "worker.log", "wb")
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


class DeadReceiver:
    """A webhook receiver that accepts every connection and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def api_json(base: str, path: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.load(r)


def webhooks_phase(frota: Server, url: str, wrk: str, chosen: list, token: str, args) -> dict:
    """The lists again while `frota worker` is stuck on a receiver that never answers: an
    endpoint subscribed to every event and a backlog of DEAD_BACKLOG events for it."""
    import psycopg

    from api.db import libpq_url
    from api.events.recorder import EVENT_TYPES

    receiver = DeadReceiver()
    body = urllib.parse.urlencode({"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()
    with urllib.request.urlopen(frota.base + "/api/v1/auth/login", data=body, timeout=30) as r:
        admin = json.load(r)["access_token"]
    api_json(
        frota.base,
        "/api/v1/webhooks",
        admin,
        {"url": f"http://127.0.0.1:{receiver.port}/hook", "events": list(EVENT_TYPES)},
    )
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute(
            "INSERT INTO events (uid, type, data) SELECT 'msg_bench_' || i, 'trip.started', "
            "'{}'::jsonb FROM generate_series(1, %s) i",
            (DEAD_BACKLOG,),
        )
    say(f"webhooks: {DEAD_BACKLOG} events for a receiver on :{receiver.port} that never answers")
    time.sleep(8)  # the worker dispatches them and its senders hang on the receiver
    lists = [e for e in chosen if e[2]]
    try:
        results = measure(frota, wrk, lists, token, args)
    finally:
        receiver.close()
    results["_held_connections"] = len(receiver.held)
    return results


def webhooks_table(without: dict, with_dead: dict) -> str:
    header = (
        f"{'endpoint':<44} {'req/s':>8} {'dead rx':>8} {'p99 ms':>8} {'dead rx':>8} {'ratio':>6}"
    )
    lines = [header, "-" * len(header)]
    for label, r in with_dead.items():
        if label.startswith("_"):
            continue
        base = without[label]
        lines.append(
            f"{label:<44} {base['rps']:>8.0f} {r['rps']:>8.0f} {base['p99_ms']:>8.1f} "
            f"{r['p99_ms']:>8.1f} {r['rps'] / base['rps']:>6.2f}"
        )
    return "\n".join(lines)


def start_naive(url: str, port: int, workers: int, secret: str, photos: bool, log_dir: Path):
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret}
    if photos:
        env["NAIVE_PHOTOS"] = "1"
    level = os.environ.get("BENCH_LOG_LEVEL", "INFO").lower()
    say(f"starting the naive baseline with {workers} workers on :{port}")
    server = Server(
        "naive baseline",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.naive_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            level,
        ],
        env,
        port,
        log_dir / "naive.log",
    )
    server.wait_ready(workers)
    return server


def login(base: str) -> str:
    body = urllib.parse.urlencode({"username": MANAGER_EMAIL, "password": PASSWORD}).encode()
    with urllib.request.urlopen(base + "/api/v1/auth/login", data=body, timeout=30) as r:
        return json.load(r)["access_token"]


def check(base: str, path: str, token: str | None) -> dict:
    """One request before the load: it must answer 200 with the list shape."""
    request = urllib.request.Request(base + path)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"bench: GET {path} answered {exc.code}: {exc.read()[:300]!r}") from exc


# ---- wrk -------------------------------------------------------------------------------------

WRK_LUA = r"""
local paths = {%(paths)s}
local token = %(token)s
local counter = 0
function init(args)
  counter = math.random(1, #paths)
end
function request()
  counter = counter + 1
  local headers = {}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
function done(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("wrk is missing: installing it with apt-get (Debian package `wrk`)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        ok = subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env).returncode == 0
        if not ok:
            subprocess.run(["apt-get", "update", "-q"], env=env)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env)
        path = shutil.which("wrk")
        if path:
            return path
    sys.exit(
        "bench: wrk is not installed. Install it with `sudo apt-get install -y wrk` "
        "(Debian/Ubuntu) or `brew install wrk` (macOS), then run `make bench` again."
    )


def run_wrk(
    wrk: str,
    base: str,
    paths: list[str],
    token: str | None,
    seconds: int,
    connections: int,
    threads: int,
) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(
            WRK_LUA
            % {"paths": ", ".join(json.dumps(p) for p in paths), "token": json.dumps(token or "")}
        )
        script = f.name
    try:
        out = subprocess.run(
            [
                wrk,
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "5s",
                "-s",
                script,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script)
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    raw = json.loads(line[len("WRK_JSON ") :])
    errors = raw["status"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "requests": raw["requests"],
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "non_2xx": raw["status"],
        "socket_errors": errors - raw["status"],
    }


def measure(server: Server, wrk: str, endpoints: list[tuple], token: str, args) -> dict:
    results = {}
    pids = server.workers()
    for label, paths, auth in endpoints:
        say(f"{server.name}: {label} (warm-up {args.warmup}s, then {args.duration}s)")
        run_wrk(
            wrk,
            server.base,
            paths,
            token if auth else None,
            args.warmup,
            args.connections,
            args.threads,
        )
        with RssSampler(pids) as rss:
            result = run_wrk(
                wrk,
                server.base,
                paths,
                token if auth else None,
                args.duration,
                args.connections,
                args.threads,
            )
        result["peak_rss_mb"] = rss.peak
        results[label] = result
    results["_peak_rss_mb"] = max(_rss_mb(p, "VmHWM") for p in pids)
    return results


# ---- upload hook -----------------------------------------------------------------------------


def upload_bench(base: str, token: str, vehicle_id: int) -> dict | None:
    """scripts/bench_upload.py, when the photos part provides it: its last line is JSON."""
    script = ROOT / "scripts" / "bench_upload.py"
    if not script.exists():
        say("upload throughput: scripts/bench_upload.py not present yet; skipped")
        return None
    say("upload throughput: running scripts/bench_upload.py")
    env = {
        **os.environ,
        "BENCH_BASE_URL": base,
        "BENCH_TOKEN": token,
        "BENCH_VEHICLE_ID": str(vehicle_id),
    }
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            "--base-url",
            base,
            "--token",
            token,
            "--vehicle-id",
            str(vehicle_id),
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    for line in reversed(proc.stdout.strip().splitlines()):
        try:
            return json.loads(line)
        except ValueError:
            continue
    say(
        f"upload throughput: no JSON from the script (exit {proc.returncode}): "
        f"{(proc.stderr or proc.stdout)[-500:]}"
    )
    return None


# ---- report ----------------------------------------------------------------------------------


def table(frota: dict, naive: dict | None, upload: dict | None) -> str:
    header = (
        f"{'endpoint':<44} {'app':<6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'× naive':>8} {'peak RSS/worker MB':>19}"
    )
    lines = [header, "-" * len(header)]
    for label, r in frota.items():
        if label.startswith("_"):
            continue
        base = (naive or {}).get(label)
        ratio = f"{r['rps'] / base['rps']:.2f}" if base else "-"
        lines.append(
            f"{label:<44} {'frota':<6} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} "
            f"{r['p99_ms']:>8.1f} {r['errors']:>7} {ratio:>8} {r['peak_rss_mb']:>19.0f}"
        )
        if base:
            lines.append(
                f"{'':<44} {'naive':<6} {base['rps']:>8.0f} {base['p50_ms']:>8.1f} "
                f"{base['p99_ms']:>8.1f} {base['errors']:>7} {'1.00':>8} "
                f"{base['peak_rss_mb']:>19.0f}"
            )
    if upload:
        lines.append(
            f"{'POST /api/v1/photos (upload script)':<44} {'frota':<6} "
            f"{upload.get('uploads_per_s', 0):>8.1f} "
            f"{upload.get('p50_ms', float('nan')):>8.1f} "
            f"{upload.get('p99_ms', float('nan')):>8.1f} {upload.get('errors', '-'):>7} "
            f"{'-':>8} {upload.get('peak_rss_mb', float('nan')):>19.0f}"
        )
    return "\n".join(lines)


def verdict(frota: dict, naive: dict | None, upload: dict | None = None) -> list[str]:
    notes = []
    if upload:
        rate = upload.get("uploads_per_s", 0)
        ok = rate >= TARGETS["uploads_per_s"] and not upload.get("errors")
        notes.append(
            f"{'PASS' if ok else 'MISS'}  POST /api/v1/photos: errors {upload.get('errors', '-')}, "
            f"{rate:.1f} uploads/s (≥ {TARGETS['uploads_per_s']:.0f})"
        )
    for label, r in frota.items():
        if label.startswith("_"):
            continue
        ok = r["errors"] == 0
        checks = [f"errors {r['errors']}"]
        if label.startswith("GET /health"):
            ok &= r["rps"] >= TARGETS["health_rps"]
            checks.append(f"{r['rps']:.0f} req/s (target ≥ {TARGETS['health_rps']:.0f})")
        else:
            ok &= r["p99_ms"] <= TARGETS["p99_ms"]
            checks.append(f"p99 {r['p99_ms']:.0f} ms (≤ {TARGETS['p99_ms']:.0f})")
            if naive and label in naive:
                ratio = r["rps"] / naive[label]["rps"]
                ok &= ratio >= TARGETS["ratio"]
                checks.append(f"{ratio:.2f}× naive (≥ {TARGETS['ratio']:.1f}×)")
        notes.append(f"{'PASS' if ok else 'MISS'}  {label}: " + ", ".join(checks))
    return notes


def endpoints(info: dict, with_photos: bool) -> list[tuple]:
    vehicles = info["vehicle_ids"]
    trips = [f"/api/v1/trips?limit=50&vehicle_id={v}" for v in vehicles]
    chosen = [
        ("GET /health", ["/health"], False),
        ("GET /api/v1/vehicles?limit=50", ["/api/v1/vehicles?limit=50"], True),
        ("GET /api/v1/trips?limit=50&vehicle_id=…", trips, True),
    ]
    if with_photos:
        chosen.append(
            (
                "GET /api/v1/photos?vehicle_id=…",
                [f"/api/v1/photos?vehicle_id={v}" for v in vehicles],
                True,
            )
        )
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-baseline", action="store_true", help="measure Frota only")
    parser.add_argument(
        "--no-webhooks",
        action="store_true",
        help="skip the lists' second run beside a webhook receiver that never answers",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="seed, start Frota, print a token and wait for Ctrl-C (profiling)",
    )
    args = parser.parse_args()
    # A TERM (timeout, CI) unwinds like Ctrl-C: servers stopped, database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    wrk = None if args.serve else ensure_wrk()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    log_dir = Path(tempfile.mkdtemp(prefix=f"frota-bench-{stamp}-"))
    load_before = os.getloadavg()
    url, drop = fresh_database()
    servers: list[Server] = []
    try:
        migrate(url)
        say(f"seeding {VEHICLES} vehicles, {DRIVERS} drivers, {TRIPS} trips, {PHOTOS} photos")
        t0 = time.monotonic()
        info = seed(url)
        say(
            f"seeded in {time.monotonic() - t0:.1f}s ({info['trips']} trips, "
            f"{info['photos']} photos)"
        )
        if info["photo_note"]:
            say("note: " + info["photo_note"])
        secret = secrets.token_urlsafe(48)
        port = free_port(set())
        redis_url = bench_redis()
        say(f"rate limits counted in {'Redis at ' + redis_url if redis_url else 'memory'}")
        frota = start_frota(url, port, args.workers, secret, log_dir, redis_url)
        servers.append(frota)
        token = login(frota.base)
        with_photos = info["photos"] > 0
        if with_photos:
            try:
                check(frota.base, f"/api/v1/photos?vehicle_id={info['vehicle_ids'][0]}", token)
            except SystemExit as exc:
                say(f"note: photos endpoint not usable ({exc}); skipped")
                with_photos = False
        chosen = endpoints(info, with_photos)
        for _label, paths, auth in chosen:
            body = check(frota.base, paths[0], token if auth else None)
            if auth and not {"items", "total", "limit", "offset", "next", "previous"} <= set(body):
                sys.exit(f"bench: {paths[0]} does not answer the list shape: {list(body)}")
        if args.serve:
            say(f"Frota on {frota.base}; DATABASE_URL={url}")
            say(
                f"accounts: {MANAGER_EMAIL}, driver0..driver{DRIVERS - 1}@bench.example.com; "
                f"password {PASSWORD}"
            )
            print(f"TOKEN={token}", flush=True)
            say("Ctrl-C to stop")
            try:
                while frota.proc.poll() is None:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
            return 0
        worker = start_worker(frota.env, log_dir)
        try:
            frota_results = measure(frota, wrk, chosen, token, args)
            upload = upload_bench(frota.base, token, info["vehicle_ids"][1])
            dead = None
            if not args.no_webhooks:
                dead = webhooks_phase(frota, url, wrk, chosen, token, args)
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        frota.stop()
        servers.remove(frota)

        naive_results = None
        if not args.no_baseline:
            naive = start_naive(url, free_port({port}), args.workers, secret, with_photos, log_dir)
            servers.append(naive)
            for _label, paths, auth in chosen:
                check(naive.base, paths[0], token if auth else None)
            naive_results = measure(naive, wrk, chosen, token, args)
            naive.stop()
            servers.remove(naive)
    finally:
        for server in servers:
            server.stop()
        drop()
        if os.environ.get("BENCH_KEEP_LOGS"):
            say(f"server logs kept in {log_dir}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)

    load_after = os.getloadavg()
    command = "python bench/run_bench.py " + " ".join(sys.argv[1:])
    report = table(frota_results, naive_results, upload)
    print()
    print(
        f"Frota read path vs naive FastAPI+ORM — wrk {args.connections} connections, "
        f"{args.duration}s each after {args.warmup}s warm-up, {args.workers} workers each, "
        f"{os.cpu_count()} CPUs"
    )
    print(report)
    print(
        f"peak RSS per worker over the whole run (VmHWM): Frota "
        f"{frota_results['_peak_rss_mb']:.0f} MB"
        + (f", naive {naive_results['_peak_rss_mb']:.0f} MB" if naive_results else "")
    )
    print("errors = non-2xx responses + socket errors (connect, read, write, timeout)")
    if dead:
        print()
        print(
            f"the lists again while frota worker waits on a receiver that never answers "
            f"({DEAD_BACKLOG} deliveries pending, {dead['_held_connections']} connections held)"
        )
        print(webhooks_table(frota_results, dead))
    for line in verdict(frota_results, naive_results, upload):
        print(line)
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    out = RESULTS / f"bench-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "command": command,
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    "loadavg_before": load_before,
                    "loadavg_after": load_after,
                },
                "git": subprocess.run(
                    ["git", "rev-parse", "--short", "HEAD"],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                ).stdout.strip(),
                "settings": vars(args),
                "seed": {k: v for k, v in info.items() if k not in ("vehicle_ids", "driver_ids")},
                "frota": frota_results,
                "naive": naive_results,
                "upload": upload,
                "dead_receiver": dead,
                "redis": bool(redis_url),
                "table": report,
            },
            indent=2,
        )
    )
    print(f"saved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
