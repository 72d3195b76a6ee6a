#!/usr/bin/env python3
"""`make bench-upload`: photo upload throughput, and a worker's memory during a 50 MB upload.

Starts Frota the production way (`frota serve`, 4 workers) on a fresh database (an embedded
PostgreSQL, or a new database on BENCH_DATABASE_URL's server, dropped afterwards), uploads a
~3 MB 12 MP JPEG from 8 concurrent clients (each upload different bytes, so each is stored),
prints uploads/s with p50/p99, then the peak RSS of the worker that received a 50 MB upload.

    make bench-upload
    .venv/bin/python scripts/bench_upload.py --uploads 200 --clients 8
    .venv/bin/python scripts/bench_upload.py --base-url http://127.0.0.1:8401 --token T \
        --vehicle-id 1 --json        # against a running server (bench/run_bench.py does this)

Ports come from 8101-8199 only. The last line is JSON with --json.
"""

import argparse
import io
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORTS = range(8101, 8200)
MB = 1024 * 1024


def say(message: str) -> None:
    print(f"[bench-upload] {message}", flush=True)


# ---- the photo ----------------------------------------------------------------------------------


def phone_photo(target_bytes: int = 3 * 1000 * 1000) -> bytes:
    """A 4000 x 3000 JPEG of about `target_bytes`: smooth shapes plus sensor-like noise."""
    size = (4000, 3000)
    base = Image.new("RGB", size, (70, 90, 110))
    draw = ImageDraw.Draw(base)
    for i in range(40):
        x, y = (i * 397) % size[0], (i * 211) % size[1]
        draw.ellipse((x, y, x + 600, y + 400), fill=(40 + i * 5 % 200, 120, 200 - i * 3 % 150))
    base = base.filter(ImageFilter.GaussianBlur(8))
    best = b""
    for sigma in (6, 10, 14, 18, 24, 32):
        noise = Image.effect_noise(size, sigma).convert("RGB")
        photo = Image.blend(base, noise, 0.25)
        out = io.BytesIO()
        photo.save(out, "JPEG", quality=88)
        best = out.getvalue()
        if len(best) >= target_bytes:
            break
    return best


def unique(photo: bytes, n: int) -> bytes:
    """The same picture with a JPEG comment (COM segment) that makes its bytes unique."""
    comment = f"bench upload {n} {uuid.uuid4()}".encode()
    return photo[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + photo[2:]


# ---- a server of our own ------------------------------------------------------------------------


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit("no free port in 8101-8199")


def fresh_database():
    """(url, cleanup): a new database on BENCH_DATABASE_URL's server, or an embedded one."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from api.db import sqlalchemy_url

    server = None
    admin_url = os.environ.get("BENCH_DATABASE_URL")
    if not admin_url:
        import pgserver

        data = Path(tempfile.mkdtemp(prefix="frota-bench-upload-pg-"))
        server = pgserver.get_server(data, cleanup_mode="delete")
        admin_url = server.get_uri("postgres")
    name = f"frota_bench_upload_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(sqlalchemy_url(admin_url)).set(database=name)

    def cleanup() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if server is not None:
            server.cleanup()

    return url.render_as_string(hide_password=False), cleanup


def start_frota(database_url: str, port: int, workers: int, upload_dir: Path):
    password = "bench-" + secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ADMIN_EMAIL": "bench-admin@example.com",
        "ADMIN_PASSWORD": password,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "UPLOAD_DIR": str(upload_dir),
        "RATE_LIMIT": "1000000/minute",
        "LOGIN_RATE_LIMIT": "1000/minute",
        "LOG_LEVEL": "WARNING",
        "ENVIRONMENT": "development",
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"], cwd=ROOT, env=env, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"frota serve exited with {process.returncode}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        raise SystemExit("frota did not answer /health within 90 s")
    token = httpx.post(
        base + "/api/v1/auth/login",
        data={"username": "bench-admin@example.com", "password": password},
    ).json()["access_token"]
    vehicle = httpx.post(
        base + "/api/v1/vehicles",
        headers={"Authorization": f"Bearer {token}"},
        json={"plate": "BEN1C23", "make": "Fiat", "model": "Strada", "year": 2023},
    )
    vehicle.raise_for_status()
    return process, base, token, vehicle.json()["id"]


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


# ---- workers' memory ----------------------------------------------------------------------------


def worker_pids(port: int) -> list[int]:
    """Uvicorn's worker processes serving `port` (the listening socket shows up in one of them;
    its siblings under the same supervisor are the others)."""
    import psutil

    listeners = {
        c.pid
        for c in psutil.net_connections("tcp")
        if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN and c.pid
    }
    pids = set()
    for pid in listeners:
        listener = psutil.Process(pid)
        parent = listener.parent()
        siblings = [
            p.pid
            for p in (parent.children() if parent else [])
            if "spawn_main" in " ".join(p.cmdline())
        ]
        pids.update(siblings if pid in siblings else [pid])
    return sorted(pids)


def status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as handle:
        handle.write("5")  # VmHWM := VmRSS


# ---- the measurements ---------------------------------------------------------------------------


def post_photo(client: httpx.Client, base: str, token: str, vehicle_id: int, content: bytes):
    return client.post(
        base + "/api/v1/photos",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        data={"vehicle_id": str(vehicle_id), "kind": "odometer"},
        files={"file": ("IMG_0001.jpg", content, "image/jpeg")},
        timeout=120,
    )


def throughput(base, token, vehicle_id, photo, uploads: int, clients: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(10**9))
    lock = threading.Lock()
    bodies = [unique(photo, n) for n in range(uploads + clients)]

    def client_loop(count: int) -> None:
        with httpx.Client() as client:
            for _ in range(count):
                with lock:
                    body = bodies[next(counter)]
                started = time.perf_counter()
                r = post_photo(client, base, token, vehicle_id, body)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if r.status_code != 201:
                        errors.append(f"{r.status_code} {r.text[:120]}")

    share = [uploads // clients + (i < uploads % clients) for i in range(clients)]
    threads = [threading.Thread(target=client_loop, args=(n,)) for n in share]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "uploads": len(latencies),
        "clients": clients,
        "seconds": round(wall, 2),
        "uploads_per_s": round(len(latencies) / wall, 1),
        "mb_per_s": round(len(latencies) * len(photo) / wall / 1e6, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def big_upload(base, token, vehicle_id, photo, port: int) -> dict:
    """A valid photo padded to 50 MB (JPEG readers stop at the end-of-image marker)."""
    content = photo + b"\0" * (50 * MB - len(photo) - 1)
    pids = worker_pids(port)
    baseline = {pid: status_kb(pid, "VmRSS") for pid in pids}
    for pid in pids:
        reset_peak(pid)
    started = time.perf_counter()
    with httpx.Client() as client:
        r = post_photo(client, base, token, vehicle_id, content)
    elapsed = time.perf_counter() - started
    peaks = {pid: status_kb(pid, "VmHWM") for pid in pids}
    growth = {pid: peaks[pid] - baseline[pid] for pid in pids}
    busiest = max(pids, key=lambda pid: growth[pid]) if pids else None
    try:
        over = httpx.post(
            base + "/api/v1/photos",
            headers={"Authorization": f"Bearer {token}"},
            data={"vehicle_id": str(vehicle_id), "kind": "odometer"},
            files={"file": ("big.jpg", photo + b"\0" * (51 * MB), "image/jpeg")},
            timeout=120,
        ).status_code
    except httpx.HTTPError as exc:  # the server may close before the client finished sending
        over = f"connection closed early ({type(exc).__name__})"
    return {
        "upload_50mb_status": r.status_code,
        "upload_50mb_seconds": round(elapsed, 2),
        "workers": len(pids),
        "peak_rss_mb": round(peaks[busiest] / 1024, 1) if busiest else None,
        "rss_before_mb": round(baseline[busiest] / 1024, 1) if busiest else None,
        "peak_growth_mb": round(growth[busiest] / 1024, 1) if busiest else None,
        "upload_51mb_status": over,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=160)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--base-url", help="a running Frota (else one is started)")
    parser.add_argument("--token", help="with --base-url: a manager's bearer token")
    parser.add_argument("--vehicle-id", type=int, help="with --base-url: a vehicle to upload to")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args()

    say("making a 12 MP JPEG")
    photo = phone_photo()
    with Image.open(io.BytesIO(photo)) as probe:
        say(f"photo: {probe.size[0]}x{probe.size[1]}, {len(photo) / 1e6:.2f} MB")

    process = cleanup = None
    work = Path(tempfile.mkdtemp(prefix="frota-bench-upload-"))
    try:
        if args.base_url:
            base, token, vehicle_id = args.base_url.rstrip("/"), args.token, args.vehicle_id
            if not (token and vehicle_id):
                raise SystemExit("--base-url needs --token and --vehicle-id")
        else:
            database_url, cleanup = fresh_database()
            port = free_port()
            say(f"starting frota serve: {args.workers} workers on :{port}, uploads in {work}")
            process, base, token, vehicle_id = start_frota(
                database_url, port, args.workers, work / "uploads"
            )
        port = int(base.rsplit(":", 1)[1])
        say("warming up")
        throughput(base, token, vehicle_id, photo, args.clients, args.clients)
        say(f"{args.uploads} uploads from {args.clients} concurrent clients")
        result = throughput(base, token, vehicle_id, photo, args.uploads, args.clients)
        result["photo_mb"] = round(len(photo) / 1e6, 2)
        result["cpus"] = os.cpu_count()
        result["load_average_1m"] = round(os.getloadavg()[0], 1)
        say(
            f"{result['uploads_per_s']} uploads/s ({result['mb_per_s']} MB/s), "
            f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, {result['errors']} errors"
            + (f" (first: {result['first_error']})" if result["errors"] else "")
        )
        say(f"machine: {result['cpus']} CPUs, load average {result['load_average_1m']} (1 min)")
        say("one 50 MB upload, workers' peak RSS reset first")
        result.update(big_upload(base, token, vehicle_id, photo, port))
        say(
            f"50 MB upload: {result['upload_50mb_status']} in {result['upload_50mb_seconds']} s; "
            f"the receiving worker's peak RSS {result['peak_rss_mb']} MB "
            f"(+{result['peak_growth_mb']} MB over its {result['rss_before_mb']} MB before); "
            f"51 MB upload: {result['upload_51mb_status']}"
        )
        if args.json:
            print(json.dumps(result), flush=True)
        return 0 if result["errors"] == 0 else 1
    finally:
        if process is not None:
            stop(process)
        if cleanup is not None:
            cleanup()
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
