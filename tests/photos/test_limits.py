"""What is refused, how, and that the worker is fine afterwards."""

import time

import httpx

from tests.conftest import auth
from tests.photos.conftest import png_bomb, sideways_jpeg, stored_files, upload, webp

MB = 1024 * 1024


def _healthy(client) -> bool:
    return client.get("/health").status_code == 200


def test_text_renamed_jpg_is_415(client, fleet, manager, upload_dir):
    r = upload(
        client,
        manager,
        b"just some text, not a photo\n" * 100,
        vehicle_id=fleet["vehicle"].id,
        filename="receipt.jpg",
    )
    assert r.status_code == 415, r.text
    assert stored_files(upload_dir) == []
    assert _healthy(client)


def test_body_that_is_not_multipart_is_415(client, fleet, manager, upload_dir):
    r = client.post(
        "/api/v1/photos", headers={**auth(manager), "Content-Type": "image/jpeg"}, content=webp()
    )
    assert r.status_code == 415


def test_30000_by_30000_png_is_refused_as_a_bomb(client, fleet, manager, upload_dir):
    bomb = png_bomb()
    assert len(bomb) < 2 * MB
    started = time.monotonic()
    r = upload(client, manager, bomb, vehicle_id=fleet["vehicle"].id)
    assert r.status_code == 422, r.text
    assert "megapixels" in r.json()["detail"]
    assert time.monotonic() - started < 5  # refused from the header, never decoded
    assert stored_files(upload_dir) == []
    assert _healthy(client)


def test_truncated_jpeg_is_422(client, fleet, manager, upload_dir):
    whole = sideways_jpeg((1200, 900))
    r = upload(client, manager, whole[: len(whole) // 2], vehicle_id=fleet["vehicle"].id)
    assert r.status_code == 422, r.text
    assert "truncated or corrupt" in r.json()["detail"]
    assert stored_files(upload_dir) == []
    assert _healthy(client)


def test_51_mb_is_413(client, fleet, manager, upload_dir):
    r = upload(client, manager, b"\xff\xd8\xff" + b"\0" * (51 * MB), vehicle_id=fleet["vehicle"].id)
    assert r.status_code == 413, r.text
    assert "50 MB" in r.json()["detail"]
    assert stored_files(upload_dir) == []
    assert _healthy(client)


def test_large_json_body_elsewhere_is_413(client, manager):
    headers = {**auth(manager), "Content-Type": "application/json"}
    r = client.post(
        "/api/v1/vehicles", headers=headers, content=b'{"plate": "' + b"A" * (2 * MB) + b'"}'
    )
    assert r.status_code == 413


# ---- against a real worker ----------------------------------------------------------------------


def _rss_kb(pid: int, field: str) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as handle:
        handle.write("5")  # resets VmHWM, the peak resident set size


def _chunks(total: int, size: int = 256 * 1024):
    yield (
        b'--b\r\nContent-Disposition: form-data; name="vehicle_id"\r\n\r\n1\r\n'
        b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\ndamage\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff"
    )
    sent = 0
    block = b"\x5a" * size
    while sent < total:
        yield block
        sent += size
    yield b"\r\n--b--\r\n"


def test_51_mb_streamed_is_413_without_the_worker_growing_by_its_size(live_server, live_fleet):
    """Chunked (no Content-Length), so the server must count as it reads: the worker's peak RSS
    during the upload stays far below the upload's 51 MB."""
    pid = live_server.process.pid
    headers = {**auth(live_fleet["manager"]), "Content-Type": "multipart/form-data; boundary=b"}
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        warm = http.post("/api/v1/photos", headers=headers, content=_chunks(2 * MB))
        assert warm.status_code in (415, 422)  # warms the code path; not an image
        time.sleep(0.5)
        before = _rss_kb(pid, "VmRSS")
        _reset_peak(pid)
        r = http.post("/api/v1/photos", headers=headers, content=_chunks(51 * MB))
        peak = _rss_kb(pid, "VmHWM")
    assert r.status_code == 413, r.text
    growth_mb = (peak - before) / 1024
    # Half the upload: far from holding it whole, with room for a busy CI host's allocator noise.
    assert growth_mb < 24, f"worker peak grew by {growth_mb:.1f} MB during a 51 MB upload"
    assert not [p for p in live_server.upload_dir.rglob("*") if p.is_file()]
    assert httpx.get(live_server.url + "/health").status_code == 200


def test_declared_51_mb_is_413_before_the_body_is_read(live_server, live_fleet):
    """With Content-Length over the limit the answer comes without reading a byte of the body."""
    import socket

    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /api/v1/photos HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: " + auth(live_fleet["manager"])["Authorization"].encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            + f"Content-Length: {51 * MB}\r\n\r\n".encode()
        )
        reply = conn.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert httpx.get(live_server.url + "/health").status_code == 200
