"""Photo tests: real images made with Pillow, a fresh UPLOAD_DIR per test, and (for memory and
concurrency) a real Uvicorn worker."""

import io
import os
import socket
import struct
import subprocess
import sys
import time
import zlib
from datetime import date, timedelta
from pathlib import Path

import httpx
import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import auth, truncate_all

pillow_heif.register_heif_opener()
ROOT = Path(__file__).resolve().parents[2]
TAKEN_LOCAL = "2026:11:20 10:30:00"  # at -03:00, i.e. 13:30 UTC
LATITUDE = -(23 + 33 / 60 + 12.34 / 3600)
LONGITUDE = -(46 + 38 / 60 + 10 / 3600)


# ---- images -----------------------------------------------------------------------------------


def phone_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = TAKEN_LOCAL
    details[ExifTags.Base.OffsetTimeOriginal] = "-03:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(23), IFDRational(33), IFDRational(1234, 100))
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(46), IFDRational(38), IFDRational(10))
    return exif


def sideways_jpeg(size=(4000, 3000), seed: int = 0) -> bytes:
    """A 12 MP phone photo stored sideways (EXIF orientation 6) with GPS: a red band along the
    stored top edge, which is the right edge once shown upright."""
    image = Image.new("RGB", size, (90, 110, 130 + seed % 100))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] - 1, size[1] // 10), fill=(255, 0, 0))
    draw.text((size[0] // 2, size[1] // 2), f"photo {seed}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=phone_exif())
    return out.getvalue()


def heic(size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 160, 0)).save(out, "HEIF", quality=60)
    return out.getvalue()


def png_with_alpha(size=(800, 600)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 255, 255))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2, size[1]), fill=(0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp(size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 150, 0)).save(out, "WEBP", quality=70)
    return out.getvalue()


def png_bomb(side: int = 30000) -> bytes:
    """A valid 30000 x 30000 1-bit PNG: ~100 kB on the wire, 900 megapixels once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 1000) for _ in range(side // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def upload_dir(tmp_path) -> Path:
    """A fresh UPLOAD_DIR for this test (settings are cached, so the cache is cleared)."""
    from api.config import get_settings

    path = tmp_path / "uploads"
    path.mkdir()
    previous = os.environ.get("UPLOAD_DIR")
    os.environ["UPLOAD_DIR"] = str(path)
    get_settings.cache_clear()
    yield path
    if previous is None:
        os.environ.pop("UPLOAD_DIR", None)
    else:
        os.environ["UPLOAD_DIR"] = previous
    get_settings.cache_clear()


def stored_files(upload_dir: Path) -> list[Path]:
    return sorted(p for p in upload_dir.rglob("*") if p.is_file())


@pytest.fixture
def fleet(make):
    """A vehicle checked out by a driver, and a manager."""
    from api.trips.models import Trip

    vehicle = make.vehicle(odometer_km=1000, status="in_use")
    user, driver = make.driver_login()
    trip = Trip(vehicle_id=vehicle.id, driver_id=driver.id, start_odometer_km=1000)
    make.session.add(trip)
    make.session.flush()
    return {"vehicle": vehicle, "driver_user": user, "driver": driver, "trip": trip}


def upload(
    client,
    user,
    content: bytes,
    *,
    vehicle_id: int,
    kind: str = "damage",
    key: str | None = None,
    filename: str = "photo.jpg",
    **fields,
):
    headers = auth(user)
    if key:
        headers["Idempotency-Key"] = key
    data = {"vehicle_id": str(vehicle_id), "kind": kind, **{k: str(v) for k, v in fields.items()}}
    return client.post(
        "/api/v1/photos",
        headers=headers,
        data=data,
        files={"file": (filename, content, "image/jpeg")},
    )


# ---- a real server ------------------------------------------------------------------------------


def _free_port() -> int:
    for port in range(8101, 8200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8101-8199")


class LiveServer:
    def __init__(self, process: subprocess.Popen, url: str, upload_dir: Path, engine):
        self.process = process
        self.url = url
        self.upload_dir = upload_dir
        self.engine = engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def start_server(database_url: str, upload_dir: Path) -> tuple[subprocess.Popen, str]:
    """One Uvicorn worker (a single process, so its RSS is the worker's, and `kill -9` of it is
    the worker's death) serving UPLOAD_DIR; returns once /health answers."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(upload_dir),
        "RATE_LIMIT": "100000/minute",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
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
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the test server did not start")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def live_server(database_url, engine, tmp_path_factory):
    """A real server on committed data (see start_server)."""
    upload_dir = tmp_path_factory.mktemp("live-uploads")
    process, url = start_server(database_url, upload_dir)
    yield LiveServer(process, url, upload_dir, engine)
    process.terminate()
    process.wait(timeout=15)
    truncate_all(engine)


@pytest.fixture
def live_fleet(live_server):
    """Committed users, vehicle, driver and open trip for the live server; removed after."""
    from tests.conftest import Factory

    with live_server.session() as session:
        make = Factory(session)
        manager = make.user("manager")
        vehicle = make.vehicle(odometer_km=10, status="in_use")
        user, driver = make.driver_login(license_expiry=date.today() + timedelta(days=300))
        session.execute(
            text(
                "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km) VALUES (:v, :d, 10)"
            ),
            {"v": vehicle.id, "d": driver.id},
        )
        session.commit()
    yield {"manager": manager, "vehicle": vehicle, "driver_user": user}
    truncate_all(live_server.engine)
