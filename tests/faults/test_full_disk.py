"""A full disk, for real: UPLOAD_DIR on a 3 MB tmpfs (mounted for the test; root is needed, as
in CI). A photo that does not fit is a 507 with a detail, and leaves no file and no row; a
resumable upload keeps what it acknowledged and resumes once there is room; `/health` answers."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import auth
from tests.photos.conftest import start_server
from tests.uploads.conftest import TUS, metadata

DISK_BYTES = 3 * 1024 * 1024


@pytest.fixture
def tiny_disk(tmp_path) -> Path:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here: {done.stderr.strip()}"
        if os.environ.get("FROTA_REQUIRE_FAULTS") == "1":
            pytest.fail(f"FROTA_REQUIRE_FAULTS=1 but {reason}")
        pytest.skip(reason)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def full_server(database_url, tiny_disk, live_fleet):
    process, url = start_server(database_url, tiny_disk)
    yield url
    process.terminate()
    process.wait(timeout=15)


def noise(size: int) -> bytes:
    """Bytes that compress to nothing useful, framed as a JPEG start (type from bytes)."""
    return b"\xff\xd8\xff\xe0" + os.urandom(size - 4)


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.stat().st_size > 0)


def test_a_photo_that_does_not_fit_is_507_and_leaves_nothing(
    full_server, tiny_disk, live_fleet, engine
):
    user, vehicle = live_fleet["driver_user"], live_fleet["vehicle"]
    r = httpx.post(
        f"{full_server}/api/v1/photos",
        headers={**auth(user), "Idempotency-Key": uuid.uuid4().hex},
        data={"vehicle_id": str(vehicle.id), "kind": "damage"},
        files={"file": ("big.jpg", noise(DISK_BYTES + 512 * 1024), "image/jpeg")},
        timeout=30,
    )
    assert r.status_code == 507, r.text
    assert "disk" in r.json()["detail"]
    assert files_in(tiny_disk) == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM photos")).scalar_one() == 0
    assert httpx.get(f"{full_server}/health", timeout=5).status_code == 200


def test_a_resumable_upload_keeps_what_it_acknowledged_and_resumes_with_room(
    full_server, tiny_disk, live_fleet
):
    user, vehicle = live_fleet["driver_user"], live_fleet["vehicle"]
    filler = tiny_disk / "filler.bin"
    filler.write_bytes(b"\0" * (DISK_BYTES - 1024 * 1024))  # 1 MB left
    photo = noise(2 * 1024 * 1024)
    created = httpx.post(
        f"{full_server}/api/v1/uploads",
        headers={
            **TUS,
            **auth(user),
            "Upload-Length": str(len(photo)),
            "Upload-Metadata": metadata(vehicle_id=vehicle.id, kind="damage"),
        },
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    patch = httpx.patch(
        location,
        headers={
            **TUS,
            **auth(user),
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
        },
        content=photo,
        timeout=30,
    )
    assert patch.status_code == 507, patch.text
    offset = int(httpx.head(location, headers={**TUS, **auth(user)}).headers["Upload-Offset"])
    assert offset < len(photo)
    partial = next(tiny_disk.joinpath(".partial").rglob("*.bin"))
    assert partial.read_bytes()[:offset] == photo[:offset]  # acknowledged means on disk, intact
    filler.unlink()  # the operator frees space
    rest = httpx.patch(
        location,
        headers={
            **TUS,
            **auth(user),
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
        },
        content=photo[offset:],
        timeout=30,
    )
    # Random bytes are not a photo: the pipeline refuses them, but only once all arrived.
    assert rest.status_code == 422, rest.text
    assert shutil.disk_usage(tiny_disk).free > 0
