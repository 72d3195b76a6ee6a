"""Faults that froze whole workers before: slow phone uploads and a locked table. Against a real
`frota serve` with 2 workers and the real PostgreSQL; what must keep answering is asked on
connections of its own, so it reaches both workers."""

import base64
import io
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest
from PIL import Image

from api.db import libpq_url
from tests.hardening.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Server, base_env, login

SLOW_UPLOADS = 24
WAITING_LISTS = 6
LOCK_TIMEOUT_MS = 2000
# Liveness, not speed: a frozen worker answered nothing within 10 s before.
ANSWERS_WITHIN_S = 2.0


@pytest.fixture(scope="module")
def server(server_database, workdir):
    env = base_env(
        server_database,
        workdir,
        WEB_CONCURRENCY="2",
        DB_LOCK_TIMEOUT_MS=str(LOCK_TIMEOUT_MS),
        RATE_LIMIT="100000/minute",
    )
    server = Server(env, workdir).start()
    server.wait_for_workers(2)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fleet(server):
    """A manager's token, a vehicle and a driver, made through the API."""
    token = login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as api:
        vehicle = api.post(
            "/api/v1/vehicles",
            json={"plate": "FRZ1A23", "make": "Fiat", "model": "Uno", "year": 2020},
        )
        assert vehicle.status_code == 201, vehicle.text
        driver = api.post(
            "/api/v1/drivers",
            json={
                "name": "Ana",
                "license_number": "12345678901",
                "license_category": "B",
                "license_expiry": "2030-01-01",
            },
        )
        assert driver.status_code == 201, driver.text
    return {"token": token, "headers": headers, "vehicle_id": vehicle.json()["id"]}


def _timed_get(url: str, **kwargs) -> tuple[int, float]:
    """One request on a fresh connection (so that successive ones reach both workers)."""
    started = time.monotonic()
    with httpx.Client(timeout=10) as client:
        status = client.get(url, **kwargs).status_code
    return status, time.monotonic() - started


def _ordinary_requests_answer(server, fleet) -> None:
    urls = [
        "/health",
        "/api/v1/drivers",
        f"/api/v1/vehicles/{fleet['vehicle_id']}",
        "/api/v1/auth/me",
        "/api/v1/trips",
    ]
    for _ in range(2):
        for url in urls:
            status, seconds = _timed_get(server.url + url, headers=fleet["headers"])
            assert status == 200, url
            assert seconds < ANSWERS_WITHIN_S, f"{url} took {seconds:.1f}s"


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (seed * 7 % 256, 90, 120)).save(out, "JPEG", quality=80)
    return out.getvalue()


class SlowRequest:
    """A phone on weak 3G: a real upload whose body arrives a little at a time."""

    def __init__(self, server, head: str, body: bytes):
        self.body = body
        self.sent = 0
        self.socket = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        self.socket.sendall(
            f"{head}Host: 127.0.0.1\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )

    def trickle(self, size: int = 64) -> None:
        piece = self.body[self.sent : self.sent + size]
        self.socket.sendall(piece)
        self.sent += len(piece)

    def finish(self) -> int:
        self.socket.sendall(self.body[self.sent :])
        answer = self.socket.recv(4096).decode("latin-1")
        self.socket.close()
        return int(answer.split(" ", 2)[1])


def slow_photo_post(server, fleet, seed: int) -> SlowRequest:
    """`POST /photos`, multipart."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="vehicle_id"\r\n\r\n'
        f"{fleet['vehicle_id']}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f'name="kind"\r\n\r\ndamage\r\n--{boundary}\r\nContent-Disposition: form-data; '
        f'name="file"; filename="p{seed}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()
    return SlowRequest(
        server,
        f"POST /api/v1/photos HTTP/1.1\r\nAuthorization: Bearer {fleet['token']}\r\n"
        f"Idempotency-Key: slow-{seed}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n",
        head + _jpeg(seed) + f"\r\n--{boundary}--\r\n".encode(),
    )


def slow_tus_patch(server, fleet, seed: int) -> SlowRequest:
    """A resumable upload's `PATCH` (tus), after its `POST`."""
    photo = _jpeg(seed)
    fields = {"vehicle_id": fleet["vehicle_id"], "kind": "damage"}
    created = httpx.post(
        server.url + "/api/v1/uploads",
        headers={
            **fleet["headers"],
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(photo)),
            "Upload-Metadata": ",".join(
                f"{key} {base64.b64encode(str(value).encode()).decode()}"
                for key, value in fields.items()
            ),
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    path = httpx.URL(created.headers["Location"]).path
    return SlowRequest(
        server,
        f"PATCH {path} HTTP/1.1\r\nAuthorization: Bearer {fleet['token']}\r\n"
        "Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
        "Content-Type: application/offset+octet-stream\r\n",
        photo,
    )


def test_24_slow_uploads_leave_every_other_request_answering(server, fleet):
    # A third of them resumable (tus) `PATCH`es (a user has at most 10 unfinished), the rest
    # multipart `POST /photos`.
    tus = [seed % 3 == 0 for seed in range(SLOW_UPLOADS)]
    uploads = [
        (slow_tus_patch if tus[seed] else slow_photo_post)(server, fleet, seed)
        for seed in range(SLOW_UPLOADS)
    ]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.3):
            for upload in uploads:
                upload.trickle()

    trickler = threading.Thread(target=trickle)
    trickler.start()
    try:
        time.sleep(1)  # every upload is in, its body still arriving
        _ordinary_requests_answer(server, fleet)
    finally:
        stop.set()
        trickler.join()
    assert all(0 < upload.sent < len(upload.body) for upload in uploads)
    # They were real uploads all along: each one completes.
    assert [upload.finish() for upload in uploads] == [204 if t else 201 for t in tus]


def test_a_locked_table_ties_up_only_the_requests_that_need_it(server, fleet):
    vehicles = server.url + "/api/v1/vehicles"
    with psycopg.connect(libpq_url(server.env["DATABASE_URL"])) as locker:
        # What an ALTER TABLE, a VACUUM FULL or a stuck transaction does to the vehicles table.
        locker.execute("LOCK TABLE vehicles IN ACCESS EXCLUSIVE MODE")
        with ThreadPoolExecutor(WAITING_LISTS + 2) as pool:
            waiting = [
                pool.submit(httpx.get, vehicles, headers=fleet["headers"], timeout=15)
                for _ in range(WAITING_LISTS)
            ]
            waiting.append(
                pool.submit(
                    httpx.get,
                    f"{vehicles}/{fleet['vehicle_id']}",
                    headers=fleet["headers"],
                    timeout=15,
                )
            )
            time.sleep(0.5)  # they wait on the lock now
            for method in ("GET", "HEAD"):
                started = time.monotonic()
                assert httpx.request(method, server.url + "/health", timeout=10).status_code == 200
                assert time.monotonic() - started < ANSWERS_WITHIN_S
            status, seconds = _timed_get(server.url + "/api/v1/drivers", headers=fleet["headers"])
            assert status == 200 and seconds < ANSWERS_WITHIN_S, seconds
            answers = [future.result() for future in waiting]
        locker.rollback()
    # Each waited for the lock timeout, no longer, and was told to come back.
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"] == "5"
        assert "locked" in answer.json()["detail"]
        assert answer.elapsed.total_seconds() < LOCK_TIMEOUT_MS / 1000 + 3
    assert httpx.get(vehicles, headers=fleet["headers"], timeout=10).status_code == 200


@pytest.fixture(scope="module")
def impatient_server(server_database, workdir, server):
    """The same database and key, with no lock time-out but a short statement time-out."""
    env = base_env(
        server_database,
        workdir,
        SECRET_KEY=server.env["SECRET_KEY"],
        WEB_CONCURRENCY="2",
        DB_LOCK_TIMEOUT_MS="0",
        DB_STATEMENT_TIMEOUT_MS="1000",
        RATE_LIMIT="100000/minute",
    )
    impatient = Server(env, workdir).start()
    impatient.wait_for_workers(2)
    yield impatient
    impatient.stop()


def test_a_statement_that_runs_out_of_time_is_a_503(impatient_server, fleet):
    url = impatient_server.url
    with psycopg.connect(libpq_url(impatient_server.env["DATABASE_URL"])) as locker:
        locker.execute("LOCK TABLE vehicles IN ACCESS EXCLUSIVE MODE")
        answers = [
            httpx.get(url + path, headers=fleet["headers"], timeout=15)
            for path in ("/api/v1/vehicles", f"/api/v1/vehicles/{fleet['vehicle_id']}")
        ]
        locker.rollback()
    for answer in answers:  # the list on the event loop, the one vehicle in the thread pool
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"] == "5"
        assert "took too long" in answer.json()["detail"]
        assert answer.elapsed.total_seconds() < 1 + 3
