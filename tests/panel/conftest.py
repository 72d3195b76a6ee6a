"""Browser tests: the panel in Debian's headless Chromium, driven by Playwright, against a real
uvicorn server (a subprocess on a port in 8301-8399) and rows really committed to the test
database. Without Chromium they skip, saying why; with FROTA_REQUIRE_BROWSER=1 (CI) they fail."""

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.conftest import ROOT, TEST_PASSWORD, _hash, truncate_all

CHROMIUM = os.environ.get("FROTA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PORTS = range(8301, 8400)
# The panel must work under the strictest policy the hardening may choose: only its own files.
STRICT_CSP = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
ARTIFACTS = ROOT / "test-artifacts" / "panel"


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser_context(**options): options for the test's Playwright browser context"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8301-8399 for the panel's test server")


@pytest.fixture(scope="session")
def panel_server(database_url) -> Iterator[str]:
    """A real uvicorn serving the app on the test database; yields its base URL."""
    port = _free_port()
    upload_dir = tempfile.mkdtemp(prefix="frota-panel-uploads-")
    backup_dir = tempfile.mkdtemp(prefix="frota-panel-backups-")
    backup = Path(backup_dir) / "frota_backup_20260101_020000.sql.gz"
    backup.write_bytes(b"")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(backup, (two_hours_ago, two_hours_ago))
    # A state known only by a 2020 table (LICENSING_CALENDAR_FILE adds it): its licensing dates
    # are estimates in whatever year the tests run, and the due page must say so.
    calendar = Path(backup_dir).parent / f"{Path(backup_dir).name}-licensing.toml"
    calendar.write_text(
        '[ZZ.2020]\nsource = "the panel tests"\n'
        + "".join(f'"{digit}" = "12"\n' for digit in range(10))
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": upload_dir,
        "BACKUP_DIR": backup_dir,
        "WEB_CONCURRENCY": "1",
        "LICENSING_STATE": "ZZ",
        "LICENSING_CALENDAR_FILE": str(calendar),
        # The tests log in many times from one IP within a minute.
        "RATE_LIMIT": "100000/minute",
        "LOGIN_RATE_LIMIT": "100000/minute",
        "FILE_RATE_LIMIT": "100000/minute",
    }
    log = tempfile.NamedTemporaryFile("w+", prefix="frota-panel-server-", suffix=".log")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"panel test server exited:\n{log.read()[-4000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("panel test server did not answer /health within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(upload_dir, ignore_errors=True)
        shutil.rmtree(backup_dir, ignore_errors=True)
        calendar.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def browser():
    reason = _missing_browser()
    if reason is not None:
        if os.environ.get("FROTA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"FROTA_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PanelPage:
    """A Playwright page on the panel, collecting console errors and CSP violations."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # What the page asked the server, for the report of a failed test.
        self.responses: list[str] = []
        page.on(
            "response", lambda r: self.responses.append(f"{r.request.method} {r.url} {r.status}")
        )
        page.on("requestfailed", lambda r: self.responses.append(f"{r.method} {r.url} FAILED"))

    def open(self, hash_path: str = "/") -> None:
        self.page.goto(f"{self.base_url}/panel/#{hash_path}")

    def login(self, email: str, password: str = TEST_PASSWORD) -> None:
        self.open("/")
        self.page.fill("#login-form input[name=username]", email)
        self.page.fill("#login-form input[name=password]", password)
        self.page.click("#login-form button[type=submit]")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e]


@pytest.fixture
def panel(browser, panel_server, request) -> Iterator[PanelPage]:
    """A fresh browser context (empty sessionStorage); English unless the test says otherwise."""
    marker = request.node.get_closest_marker("browser_context")
    options = {"locale": "en-US", "viewport": {"width": 1280, "height": 900}}
    if marker:
        options.update(marker.kwargs)
    context = browser.new_context(**options)
    context.set_default_timeout(30_000)

    def strict_csp(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT_CSP}
        route.fulfill(response=response, headers=headers)

    context.route(re.compile(r"/panel/(index\.html)?$"), strict_csp)
    page = PanelPage(context.new_page(), panel_server)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        page.screenshot(f"FAILED-{request.node.name}")
        print(f"browser console errors: {page.errors}")
        print("last requests:\n  " + "\n  ".join(page.responses[-15:]))
    context.close()
    assert page.csp_violations() == []


@pytest.fixture(scope="module")
def committed(engine) -> Iterator[None]:
    """Rows the browser sees must be committed; every table is emptied after the module."""
    truncate_all(engine)
    yield
    truncate_all(engine)


# ---- the fleet the browser tests see ----------------------------------------------------------


@dataclass
class Seed:
    base_url: str
    manager_token: str
    available_id: int
    in_use_id: int
    other_id: int
    ana_trip_id: int
    bruno_trip_id: int
    photo_id: int


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def seed(committed, engine, panel_server) -> Seed:
    """A small fleet, committed so that the server sees it; the photo through the real upload."""
    from api.drivers.models import Driver
    from api.trips.models import Trip
    from api.users.models import User
    from api.vehicles.models import Vehicle

    with Session(engine) as session:
        hashed = _hash(TEST_PASSWORD)
        manager = User(
            email="gestora@example.com", name="Maria Gestora", role="manager", password_hash=hashed
        )
        ana_user = User(
            email="ana@example.com", name="Ana Souza", role="driver", password_hash=hashed
        )
        newcomer = User(
            email="novo@example.com",
            name="Novo Gestor",
            role="manager",
            password_hash=hashed,
            must_change_password=True,
        )
        admin = User(
            email="admin@example.com", name="Admin Frota", role="admin", password_hash=hashed
        )
        joao_user = User(
            email="joao@example.com", name="João Pereira", role="driver", password_hash=hashed
        )
        session.add_all([manager, ana_user, newcomer, admin, joao_user])
        session.flush()
        ana = Driver(
            name="Ana Souza",
            license_number="12345678901",
            license_category="B",
            license_expiry=date.today() + timedelta(days=400),
            user_id=ana_user.id,
        )
        bruno = Driver(
            name="Bruno Lima",
            license_number="10987654321",
            license_category="D",
            license_expiry=date.today() + timedelta(days=10),
        )
        available = Vehicle(
            plate="ABC1D23", make="Fiat", model="Strada", year=2023, odometer_km=12_000
        )
        in_use = Vehicle(
            plate="BRA2E19",
            make="Volkswagen",
            model="Gol",
            year=2021,
            odometer_km=30_500,
            status="in_use",
        )
        other = Vehicle(plate="QWE4567", make="Ford", model="Ranger", year=2020, odometer_km=80_300)
        session.add_all([ana, bruno, available, in_use, other])
        session.flush()
        ana_trip = Trip(
            vehicle_id=in_use.id,
            driver_id=ana.id,
            start_odometer_km=30_500,
            started_at=datetime.now(UTC) - timedelta(hours=3),
            purpose="Entrega",
        )
        bruno_trip = Trip(
            vehicle_id=other.id,
            driver_id=bruno.id,
            start_odometer_km=80_000,
            end_odometer_km=80_300,
            started_at=datetime.now(UTC) - timedelta(days=2),
            finished_at=datetime.now(UTC) - timedelta(days=2, hours=-4),
        )
        session.add_all([ana_trip, bruno_trip])
        session.commit()
        ids = (available.id, in_use.id, other.id, ana_trip.id, bruno_trip.id)

    login = httpx.post(
        f"{panel_server}/api/v1/auth/login",
        data={"username": "gestora@example.com", "password": TEST_PASSWORD},
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    upload = httpx.post(
        f"{panel_server}/api/v1/photos",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "panel-seed-photo"},
        data={"vehicle_id": str(ids[0]), "kind": "exterior"},
        files={"file": ("exterior.jpg", jpeg_bytes(), "image/jpeg")},
    )
    assert upload.status_code == 201, f"POST /api/v1/photos: {upload.status_code} {upload.text}"
    return Seed(panel_server, token, *ids, photo_id=upload.json()["id"])


def photo_json(seed: Seed) -> dict:
    response = httpx.get(
        f"{seed.base_url}/api/v1/photos/{seed.photo_id}",
        headers={"Authorization": f"Bearer {seed.manager_token}"},
    )
    return response.json()


def image_rendered(page, selector: str) -> None:
    page.wait_for_function(
        "(sel) => { const img = document.querySelector(sel);"
        " return img && img.complete && img.naturalWidth > 0; }",
        arg=selector,
    )
