"""Real tus clients against a real server through a connection that drops at 90 %: tuspy
(Python) and tus-js-client (under Node), and a `kill -9` of the worker mid-PATCH."""

import hashlib
import io
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import text
from tusclient.client import TusClient

from tests.conftest import auth
from tests.photos.conftest import phone_exif, start_server
from tests.uploads.conftest import TUS, metadata
from tests.uploads.cutter import CuttingProxy

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def photo_12mp(tmp_path_factory) -> Path:
    """A 12 MP phone JPEG with sensor-like noise (so it is megabytes, as real ones are)."""
    noise = Image.effect_noise((4000, 3000), 40)
    image = Image.merge("RGB", (noise, noise.rotate(180), noise.transpose(Image.FLIP_LEFT_RIGHT)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=phone_exif())
    path = tmp_path_factory.mktemp("photo") / "IMG_0001.jpg"
    path.write_bytes(out.getvalue())
    return path


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _stored(base_url: str, user, photo_location: str) -> dict:
    return httpx.get(base_url + photo_location, headers=auth(user)).json()


def _unfinished(upload_dir: Path) -> list[Path]:
    return list((upload_dir / ".partial").rglob("*.bin"))


def test_tuspy_resumes_a_cut_upload_with_the_same_url(live_server, live_fleet, photo_12mp):
    user, vehicle = live_fleet["driver_user"], live_fleet["vehicle"]
    size = photo_12mp.stat().st_size
    assert size > 5_000_000
    proxy = CuttingProxy(_port(live_server.url), cut_at=int(size * 0.9))
    client = TusClient(f"{proxy.url}/api/v1/uploads", headers=auth(user))
    fields = {"vehicle_id": str(vehicle.id), "kind": "exterior", "filename": photo_12mp.name}
    first = client.uploader(str(photo_12mp), metadata=fields)
    with pytest.raises(Exception):  # noqa: B017 - whatever the client makes of a dropped link
        first.upload()
    assert proxy.cut
    # The phone comes back: a new uploader with the same URL asks the offset and sends the rest.
    second = client.uploader(str(photo_12mp), url=first.url, retries=5, retry_delay=1)
    assert second.get_offset() > size * 0.8
    second.upload()
    assert proxy.upstream_bytes <= 1.15 * size, (proxy.upstream_bytes, size)
    print(f"tuspy: {size} bytes, server received {proxy.upstream_bytes / size:.3f}x")
    assert first.url.startswith(proxy.url), first.url
    status = httpx.get(live_server.url + httpx.URL(first.url).path, headers=auth(user))
    photo = _stored(live_server.url, user, f"/api/v1/photos/{status.json()['photo_id']}")
    assert photo["sha256"] == hashlib.sha256(photo_12mp.read_bytes()).hexdigest()
    assert photo["thumbnail_url"] and photo["width"] == 3000  # upright from EXIF orientation 6
    thumbnail = httpx.get(photo["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"
    with live_server.session() as session:
        count = session.execute(
            text("SELECT count(*) FROM photos WHERE sha256 = :s"), {"s": photo["sha256"]}
        ).scalar_one()
    assert count == 1
    assert not _unfinished(live_server.upload_dir)
    proxy.close()


@pytest.fixture(scope="module")
def tus_js() -> Path:
    if shutil.which("node") is None:
        pytest.fail("Node is needed for the tus-js-client test (apt-get install -y nodejs npm)")
    if not (JS / "node_modules" / "tus-js-client").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True)
    return JS / "upload.mjs"


def test_tus_js_client_resumes_a_cut_upload(live_server, live_fleet, photo_12mp, tus_js):
    user, vehicle = live_fleet["driver_user"], live_fleet["vehicle"]
    size = photo_12mp.stat().st_size
    proxy = CuttingProxy(_port(live_server.url), cut_at=int(size * 0.9))
    token = auth(user)["Authorization"].split()[1]
    fields = {"vehicle_id": str(vehicle.id), "kind": "damage", "filename": "IMG_0002.jpg"}
    run = subprocess.run(
        [
            "node",
            str(tus_js),
            f"{proxy.url}/api/v1/uploads",
            token,
            str(photo_12mp),
            json.dumps(fields),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert proxy.cut and result["errors"] >= 1  # it was cut, and it retried
    assert proxy.upstream_bytes <= 1.15 * size, (proxy.upstream_bytes, size)
    print(f"tus-js-client: {size} bytes, server received {proxy.upstream_bytes / size:.3f}x")
    photo = _stored(live_server.url, user, result["photoLocation"])
    assert photo["sha256"] == hashlib.sha256(photo_12mp.read_bytes()).hexdigest()
    assert photo["kind"] == "damage"
    assert not _unfinished(live_server.upload_dir)
    proxy.close()


def test_kill_9_mid_patch_resumes_from_the_last_acknowledged_offset(
    database_url, live_fleet, photo_12mp, tmp_path
):
    """The worker dies while bytes arrive: a new one answers HEAD with an offset whose bytes are
    all on disk and right, and the upload finishes from there into the same photo."""
    user, vehicle = live_fleet["driver_user"], live_fleet["vehicle"]
    data = photo_12mp.read_bytes()
    upload_dir = tmp_path / "uploads"
    upload_dir.mkdir()
    process, url = start_server(database_url, upload_dir)
    try:
        created = httpx.post(
            url + "/api/v1/uploads",
            headers={
                **TUS,
                **auth(user),
                "Upload-Length": str(len(data)),
                "Upload-Metadata": metadata(vehicle_id=vehicle.id, kind="exterior"),
            },
        )
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        path = httpx.URL(location).path
        # A PATCH for the whole file whose body stops after 40 %, then the worker is killed.
        sent = int(len(data) * 0.4)
        raw = socket.create_connection(("127.0.0.1", _port(url)))
        head = (
            f"PATCH {path} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n"
            f"Authorization: {auth(user)['Authorization']}\r\n"
            f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        )
        raw.sendall(head.encode() + data[:sent])
        deadline = time.monotonic() + 20
        while httpx.get(location, headers=auth(user)).json()["offset"] < sent // 2:
            assert time.monotonic() < deadline, "the server never acknowledged a batch"
            time.sleep(0.1)
        process.kill()  # SIGKILL: no cleanup of any kind
        process.wait(timeout=10)
        raw.close()
    finally:
        if process.poll() is None:
            process.kill()
    process, url = start_server(database_url, upload_dir)
    try:
        location = url + path
        offset = int(httpx.head(location, headers={**TUS, **auth(user)}).headers["Upload-Offset"])
        assert 0 < offset <= sent
        (partial,) = _unfinished(upload_dir)
        assert partial.read_bytes()[:offset] == data[:offset]  # acknowledged means on disk
        client = TusClient(url + "/api/v1/uploads", headers=auth(user))
        client.uploader(str(photo_12mp), url=location).upload()
        status = httpx.get(location, headers=auth(user)).json()
        assert status["offset"] == len(data) and status["photo_id"]
        photo = _stored(url, user, f"/api/v1/photos/{status['photo_id']}")
        assert photo["sha256"] == hashlib.sha256(data).hexdigest()
    finally:
        process.terminate()
        process.wait(timeout=15)
