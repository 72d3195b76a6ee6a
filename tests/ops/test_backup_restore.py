"""backup_db.sh and scripts/restore_db.sh in local mode (DATABASE_URL), against the test server.

Each test gets its own migrated database on that server, because a restore drops the schema."""

import gzip
import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "backup_db.sh"
RESTORE = ROOT / "scripts" / "restore_db.sh"
NAME = re.compile(r"^frota_backup_\d{8}_\d{6}\.sql\.gz$")
MARKER = b"-- PostgreSQL database dump complete"


@pytest.fixture
def ops_db(database_url) -> str:
    """A fresh, migrated database on the test server, dropped afterwards."""
    from api.cli import migrate

    name = f"frota_ops_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def sql(url: str, statement: str, **params) -> list:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


def add_vehicle(url: str, plate: str) -> None:
    sql(
        url,
        "INSERT INTO vehicles (plate, make, model, year) VALUES (:p, 'Fiat', 'Uno', 2020)",
        p=plate,
    )


def plates(url: str) -> list[str]:
    return [row[0] for row in sql(url, "SELECT plate FROM vehicles ORDER BY plate")]


def run(script: Path, *args: str, url: str, backup_dir: Path, **env: str):
    environment = {**os.environ, "DATABASE_URL": url, "BACKUP_DIR": str(backup_dir), **env}
    return subprocess.run(
        [str(script), *args], env=environment, cwd=ROOT, capture_output=True, text=True, timeout=180
    )


def backups(folder: Path) -> list[Path]:
    """The dumps (each with its .photos folder and .manifest.tsv beside it)."""
    return sorted(folder.glob("*.sql.gz"))


def make_backup(url: str, folder: Path, **env: str) -> Path:
    """Run backup_db.sh, expect success, return the one file it added."""
    before = set(backups(folder))
    result = run(BACKUP, url=url, backup_dir=folder, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    (made,) = set(backups(folder)) - before
    return made


def test_backup_writes_a_verified_timestamped_archive(ops_db, tmp_path):
    add_vehicle(ops_db, "ABC1234")

    archive = make_backup(ops_db, tmp_path)

    assert NAME.match(archive.name)
    dump = gzip.decompress(archive.read_bytes())
    assert MARKER in dump[-300:]
    assert b"ABC1234" in dump
    assert archive.stat().st_mode & 0o077 == 0, "a dump holds password hashes: owner only"


def fake_pg_bin(tmp_path: Path, real_bin: Path, body: str) -> Path:
    """A PG_BIN whose pg_dump claims the server's version and then does `body`."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    (bin_dir / "psql").symlink_to(real_bin / "psql")
    (bin_dir / "pg_dump").write_text(
        f'#!/bin/sh\nif [ "$1" = --version ]; then exec "{real_bin}/pg_dump" --version; fi\n' + body
    )
    (bin_dir / "pg_dump").chmod(0o755)
    return bin_dir


def _server_bin(url: str) -> Path:
    result = subprocess.run(
        [
            "bash",
            "-c",
            f"PROG=t; ROOT={ROOT}; source {ROOT}/scripts/lib/pg.sh; "
            'find_local_tools "$(libpq_url "$1")" && echo "$PG_BIN_DIR"',
            "_",
            url,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(result.stdout.strip())


@pytest.mark.parametrize(
    "pg_dump_body",
    [
        # dies half-way: without pipefail, gzip would turn this into a valid-looking file
        "echo 'CREATE TABLE half (id int);'\necho 'pg_dump: error: connection lost' >&2\nexit 1\n",
        # exits 0 but the dump is cut short: no completion marker
        "echo 'CREATE TABLE half (id int);'\nexit 0\n",
    ],
    ids=["pg_dump_fails", "dump_without_completion_marker"],
)
def test_failed_dump_leaves_no_file_and_exits_nonzero(ops_db, tmp_path, pg_dump_body):
    folder = tmp_path / "backups"
    folder.mkdir()
    fake = fake_pg_bin(tmp_path, _server_bin(ops_db), pg_dump_body)

    result = run(BACKUP, url=ops_db, backup_dir=folder, PG_BIN=str(fake))

    assert result.returncode != 0
    assert list(folder.iterdir()) == []
    failed = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "no backup was written" in failed[0]


def test_unreachable_database_leaves_no_file_and_exits_nonzero(ops_db, tmp_path):
    missing = make_url(ops_db).set(database="no_such_database").render_as_string(False)

    result = run(BACKUP, url=missing, backup_dir=tmp_path)

    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []
    assert "FAILED" in result.stdout


def _aged_backup(folder: Path, name: str, days: float) -> Path:
    path = folder / name
    path.write_bytes(gzip.compress(b"-- old\n" + MARKER + b"\n"))
    stamp = time.time() - days * 86400
    os.utime(path, (stamp, stamp))
    return path


def test_retention_deletes_old_backups_and_keeps_the_new_one(ops_db, tmp_path):
    old = _aged_backup(tmp_path, "frota_backup_20200101_020000.sql.gz", 30)
    recent = _aged_backup(tmp_path, "frota_backup_20200102_020000.sql.gz", 2)
    unrelated = _aged_backup(tmp_path, "notes.sql.gz", 30)

    new = make_backup(ops_db, tmp_path, BACKUP_KEEP_DAYS="7")

    assert not old.exists()
    assert recent.exists() and new.exists() and unrelated.exists()


def test_retention_never_deletes_the_newest_good_backup(ops_db, tmp_path):
    # The newest good backup is 40 days old (backups have been failing): a failing run deletes
    # nothing, and a successful one deletes it only once a newer good one exists.
    newest_good = _aged_backup(tmp_path, "frota_backup_20200101_020000.sql.gz", 40)
    missing = make_url(ops_db).set(database="no_such_database").render_as_string(False)

    failed = run(BACKUP, url=missing, backup_dir=tmp_path, BACKUP_KEEP_DAYS="1")

    assert failed.returncode != 0
    assert newest_good.exists()

    new = make_backup(ops_db, tmp_path, BACKUP_KEEP_DAYS="1")
    assert new.exists() and not newest_good.exists()


def test_restore_refuses_without_yes(ops_db, tmp_path):
    add_vehicle(ops_db, "ABC1234")
    archive = make_backup(ops_db, tmp_path)
    add_vehicle(ops_db, "XYZ9A87")

    result = run(RESTORE, str(archive), url=ops_db, backup_dir=tmp_path)

    assert result.returncode != 0
    assert "REFUSED" in result.stdout and "--yes" in result.stdout
    assert plates(ops_db) == ["ABC1234", "XYZ9A87"]


def test_restore_brings_back_the_backed_up_state(ops_db, tmp_path):
    add_vehicle(ops_db, "ABC1234")
    add_vehicle(ops_db, "BRA2E19")
    archive = make_backup(ops_db, tmp_path)
    add_vehicle(ops_db, "XYZ9A87")
    sql(ops_db, "DELETE FROM vehicles WHERE plate = 'ABC1234'")
    sql(ops_db, "CREATE TABLE made_after_the_backup (id int)")

    result = run(RESTORE, str(archive), "--yes", url=ops_db, backup_dir=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert plates(ops_db) == ["ABC1234", "BRA2E19"]
    assert sql(ops_db, "SELECT to_regclass('made_after_the_backup')") == [(None,)]
    assert re.search(r"vehicles\s+2$", result.stdout, re.M)
    assert sql(ops_db, "SELECT count(*) FROM alembic_version") == [(1,)]
    # Sequences come back too: the next insert does not collide with restored rows.
    add_vehicle(ops_db, "NEW1A23")


def _corrupt_archives(folder: Path, good: Path) -> list[Path]:
    truncated = folder / "truncated.sql.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    unfinished = folder / "unfinished.sql.gz"
    unfinished.write_bytes(gzip.compress(gzip.decompress(good.read_bytes()).replace(MARKER, b"--")))
    not_gzip = folder / "not_gzip.sql.gz"
    not_gzip.write_text("DROP SCHEMA public CASCADE;\n")
    return [truncated, unfinished, not_gzip]


def test_corrupted_archive_is_refused_before_touching_the_database(ops_db, tmp_path):
    add_vehicle(ops_db, "ABC1234")
    good = make_backup(ops_db, tmp_path)
    add_vehicle(ops_db, "XYZ9A87")

    for archive in _corrupt_archives(tmp_path, good):
        result = run(RESTORE, str(archive), "--yes", url=ops_db, backup_dir=tmp_path)

        assert result.returncode != 0, archive.name
        assert "database was not touched" in result.stdout, result.stdout
        assert plates(ops_db) == ["ABC1234", "XYZ9A87"]


def test_a_restore_that_fails_half_way_is_rolled_back(ops_db, tmp_path):
    add_vehicle(ops_db, "ABC1234")
    good = make_backup(ops_db, tmp_path)
    add_vehicle(ops_db, "XYZ9A87")
    # A complete-looking archive whose SQL fails after the tables have been dropped and recreated.
    dump = gzip.decompress(good.read_bytes())
    broken = tmp_path / "frota_backup_20200101_000000.sql.gz"
    broken.write_bytes(gzip.compress(dump.replace(MARKER, b"SELECT 1/0;\n" + MARKER)))

    result = run(RESTORE, str(broken), "--yes", url=ops_db, backup_dir=tmp_path)

    assert result.returncode != 0
    assert "rolled back" in result.stdout
    assert plates(ops_db) == ["ABC1234", "XYZ9A87"]


def test_a_backup_of_an_older_release_restores_and_is_migrated_forward(database_url, tmp_path):
    """A dump made at revision 0002 (before `verify_runs`): the restore's migrations bring it to
    the current head, with its rows."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from api.cli import alembic_config

    name = f"frota_old_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    try:
        config = alembic_config(url)
        command.upgrade(config, "0002")
        add_vehicle(url, "OLD1A23")
        archive = make_backup(url, tmp_path)
        assert b"verify_runs" not in gzip.decompress(archive.read_bytes())
        command.upgrade(config, "head")
        add_vehicle(url, "NEW1A23")

        result = run(RESTORE, str(archive), "--yes", url=url, backup_dir=tmp_path)

        assert result.returncode == 0, result.stdout + result.stderr
        head = ScriptDirectory.from_config(config).get_current_head()
        assert sql(url, "SELECT version_num FROM alembic_version") == [(head,)]
        assert plates(url) == ["OLD1A23"]
        assert sql(url, "SELECT to_regclass('verify_runs') IS NOT NULL") == [(True,)]
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add_photo(url: str, uploads: Path, plate: str) -> tuple[str, str]:
    """A photo as the pipeline leaves it: a real JPEG original and thumbnail, and their row."""
    import hashlib
    import io

    from PIL import Image

    name = uuid.uuid4().hex
    original, thumbnail = f"originals/{name[:2]}/{name}.jpg", f"thumbnails/{name[:2]}/{name}.jpg"
    for relative, size in ((original, (640, 480)), (thumbnail, (160, 120))):
        buffer = io.BytesIO()
        Image.effect_noise(size, 64).convert("RGB").save(buffer, "JPEG")
        (uploads / relative).parent.mkdir(parents=True, exist_ok=True)
        (uploads / relative).write_bytes(buffer.getvalue())
    data = (uploads / original).read_bytes()
    sql(
        url,
        "INSERT INTO photos (vehicle_id, kind, sha256, size_bytes, width, height, content_type,"
        " original_path, thumbnail_path) SELECT id, 'damage', :sha, :size, 640, 480,"
        " 'image/jpeg', :original, :thumbnail FROM vehicles WHERE plate = :plate",
        sha=hashlib.sha256(data).hexdigest(),
        size=len(data),
        original=original,
        thumbnail=thumbnail,
        plate=plate,
    )
    return original, hashlib.sha256(data).hexdigest()


def test_backup_holds_the_photos_and_restore_brings_them_back_verified(ops_db, tmp_path):
    import hashlib

    uploads, folder = tmp_path / "uploads", tmp_path / "backups"
    uploads.mkdir()
    folder.mkdir()
    add_vehicle(ops_db, "ABC1234")
    first, sha = add_photo(ops_db, uploads, "ABC1234")
    one = make_backup(ops_db, folder, UPLOAD_DIR=str(uploads))
    second, _ = add_photo(ops_db, uploads, "ABC1234")
    two = make_backup(ops_db, folder, UPLOAD_DIR=str(uploads))

    photos = two.with_name(two.name.replace(".sql.gz", ".photos"))
    manifest = two.with_name(two.name.replace(".sql.gz", ".manifest.tsv"))
    rows = {line.split("\t")[0]: line.split("\t") for line in manifest.read_text().splitlines()}
    assert rows[first][2] == sha and rows[second][1] == str((uploads / second).stat().st_size)
    # The second backup copied only the new photo: the first one is a hard link to backup one.
    earlier = one.with_name(one.name.replace(".sql.gz", ".photos"))
    assert (photos / first).stat().st_ino == (earlier / first).stat().st_ino
    assert (photos / second).stat().st_nlink == 1

    sql(ops_db, "DELETE FROM photos")
    (uploads / first).unlink()
    result = run(RESTORE, str(two), "--yes", url=ops_db, backup_dir=folder, UPLOAD_DIR=str(uploads))

    assert result.returncode == 0, result.stdout + result.stderr
    assert hashlib.sha256((uploads / first).read_bytes()).hexdigest() == sha
    assert sql(ops_db, "SELECT count(*) FROM photos") == [(2,)]
    assert "verify: ok: 2 photos" in result.stdout


def test_a_photo_file_missing_from_the_store_fails_the_backup(ops_db, tmp_path):
    uploads, folder = tmp_path / "uploads", tmp_path / "backups"
    uploads.mkdir()
    folder.mkdir()
    add_vehicle(ops_db, "ABC1234")
    original, _ = add_photo(ops_db, uploads, "ABC1234")
    (uploads / original).unlink()

    result = run(BACKUP, url=ops_db, backup_dir=folder, UPLOAD_DIR=str(uploads))

    assert result.returncode != 0
    assert f"{original} is not in the copy" in result.stderr
    assert "FAILED" in result.stdout and list(folder.iterdir()) == []
