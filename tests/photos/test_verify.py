"""`frota verify`, the real command: nothing wrong after uploads; a file removed, changed or
left without a row is named, with exit code 1; /health/detailed reports the last run."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import auth
from tests.photos.conftest import heic, sideways_jpeg, upload, webp

FROTA = str(Path(sys.executable).with_name("frota"))


def frota_verify(database_url: str, upload_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "UPLOAD_DIR": str(upload_dir)}
    return subprocess.run([FROTA, "verify"], env=env, capture_output=True, text=True, timeout=60)


def _three_photos(client, fleet, manager):
    vehicle_id = fleet["vehicle"].id
    return [
        upload(client, manager, content, vehicle_id=vehicle_id).json()
        for content in (sideways_jpeg((800, 600)), webp(), heic())
    ]


def test_verify_finds_nothing_wrong_after_uploads(client, fleet, manager, upload_dir, database_url):
    _three_photos(client, fleet, manager)
    result = frota_verify(database_url, upload_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: 3 photos" in result.stdout


def test_verify_names_a_removed_a_changed_and_a_stray_file(
    client, fleet, manager, upload_dir, database_url, session
):
    from api.photos.models import Photo

    jpeg, png, heif = _three_photos(client, fleet, manager)
    rows = {p.id: p for p in session.query(Photo).all()}
    removed = upload_dir / rows[jpeg["id"]].original_path
    removed.unlink()
    changed = upload_dir / rows[png["id"]].original_path
    content = changed.read_bytes()
    changed.write_bytes(content[:-1] + bytes([content[-1] ^ 0xFF]))  # same size, other bytes
    stray = upload_dir / "originals" / "stray.jpg"
    stray.write_bytes(b"\xff\xd8\xff")
    result = frota_verify(database_url, upload_dir)
    assert result.returncode == 1
    out = result.stdout
    assert f"photo {jpeg['id']}: missing file {rows[jpeg['id']].original_path}" in out
    assert f"photo {png['id']}: {rows[png['id']].original_path} does not match its SHA-256" in out
    assert "file originals/stray.jpg: no photo row points to it" in out
    assert f"photo {heif['id']}" not in out
    assert "FAILED: 3 problems in 3 photos" in out


def test_the_detailed_health_reports_the_last_verify_run(
    client, fleet, manager, admin, upload_dir, database_url
):
    _three_photos(client, fleet, manager)
    assert frota_verify(database_url, upload_dir).returncode == 0
    report = client.get("/health/detailed", headers=auth(admin)).json()
    assert report["last_verify_run"]["photos_checked"] == 3
    assert report["last_verify_run"]["problems"] == 0
    next(upload_dir.joinpath("thumbnails").rglob("*.jpg")).unlink()
    assert frota_verify(database_url, upload_dir).returncode == 1
    report = client.get("/health/detailed", headers=auth(admin)).json()
    assert report["last_verify_run"]["problems"] == 1
    assert "the last frota verify found 1 problems" in report["problems"]
