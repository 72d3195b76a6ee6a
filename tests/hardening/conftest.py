"""Real servers for the hardening tests: `frota serve` subprocesses (ports 8201-8299) on their
own database, the real Redis under a unique key prefix, and helpers to read their JSON logs."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
FROTA = str(Path(sys.executable).with_name("frota"))
PORTS = range(8201, 8300)
ADMIN_EMAIL = "boss@example.com"
ADMIN_PASSWORD = "boss password " + secrets.token_hex(6)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8201-8299")


def client_from(source_ip: str = "127.0.0.1", **kwargs) -> httpx.Client:
    """A client whose connections leave from source_ip (any 127.x address works on Linux)."""
    transport = httpx.HTTPTransport(local_address=source_ip)
    return httpx.Client(transport=transport, timeout=10, **kwargs)


def fresh_request(method: str, url: str, source_ip: str = "127.0.0.1", **kwargs):
    """One request on its own connection, so that successive ones reach different workers."""
    with client_from(source_ip) as client:
        return client.request(method, url, **kwargs)


class Server:
    """A `frota serve` subprocess; stdout (JSON logs) goes to a file the tests read."""

    def __init__(self, env: dict[str, str], workdir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{self.port}-{uuid.uuid4().hex[:6]}.log"
        self.env = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.process: subprocess.Popen | None = None

    def start(self, wait_for: float = 60) -> "Server":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [FROTA, "serve"],
            env=self.env,
            cwd=self.log_path.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + wait_for
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")

    def wait_for_workers(self, count: int, wait_for: float = 30) -> None:
        deadline = time.monotonic() + wait_for
        while time.monotonic() < deadline:
            ready = [e for e in self.logs() if e.get("message") == "worker ready"]
            if len({e["pid"] for e in ready}) >= count:
                return
            time.sleep(0.2)
        raise RuntimeError(f"fewer than {count} workers ready")

    def stop(self, timeout: float = 30) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(10)

    def lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def logs(self) -> list[dict]:
        """Every JSON line of the server's output (other lines are skipped)."""
        entries = []
        for line in self.lines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
        return entries

    def access(self, **match) -> list[dict]:
        return [
            e
            for e in self.logs()
            if e.get("logger") == "frota.access" and all(e.get(k) == v for k, v in match.items())
        ]


@pytest.fixture(scope="session")
def server_admin_url(database_url) -> str:
    """The server the suite's database lives on, connected to its `postgres` database."""
    return make_url(database_url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def server_database(server_admin_url) -> Iterator[str]:
    """A database of its own for a server subprocess (its requests really commit)."""
    name = f"frota_hardening_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server_admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def redis_url() -> str:
    """The real Redis (REDIS_TEST_URL, default 127.0.0.1:6379); skipped when there is none,
    except where FROTA_REQUIRE_REDIS=1 (CI): production counts in Redis, so CI must test it."""
    import redis

    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("FROTA_REQUIRE_REDIS") == "1":
            pytest.fail(f"FROTA_REQUIRE_REDIS=1 but there is no Redis at {url}: {exc}")
        pytest.skip(f"no Redis at {url} (set REDIS_TEST_URL)")
    return url


@pytest.fixture(scope="module")
def redis_prefix(redis_url) -> Iterator[str]:
    """A key prefix of our own; every key under it is deleted afterwards."""
    import redis

    prefix = f"frota-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="frota-hardening-"))
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=False)


def base_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """What a server subprocess needs; secrets random so that the log scan can look for them."""
    env = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "sk-" + secrets.token_urlsafe(40),
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LOG_LEVEL": "INFO",
        "WEB_CONCURRENCY": "1",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "BACKUP_DIR": str(workdir / "backups"),
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / f"metrics-{uuid.uuid4().hex[:6]}"),
        "MAX_REQUESTS": "0",
        "GRACEFUL_TIMEOUT": "5",
        "DB_POOL_SIZE": "2",
        "DB_MAX_OVERFLOW": "2",
    }
    for name in ("REDIS_URL", "METRICS_TOKEN", "CORS_ORIGINS"):
        env[name] = ""
    env.update(extra)
    return env


def login(url: str, email: str, password: str, source_ip: str = "127.0.0.1", **kwargs):
    return fresh_request(
        "POST",
        url + "/api/v1/auth/login",
        source_ip,
        data={"username": email, "password": password},
        **kwargs,
    )
