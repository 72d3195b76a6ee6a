"""Retries over flaky mobile data never make a second photo; file and row come together."""

import threading
from contextlib import contextmanager

import httpx
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from api.photos.models import Photo
from tests.conftest import auth
from tests.photos.conftest import sideways_jpeg, stored_files, upload, webp


@contextmanager
def when_a_photo_row_is_flushed(hook):
    """Calls `hook(photo)` inside the upload's transaction once its row is flushed (its files
    are in place by then), through SQLAlchemy's own `after_flush` event on every session: what
    `hook` raises or waits for happens between the files' rename and the commit."""

    def after_flush(session, _flush_context):
        for obj in list(session.new):
            if isinstance(obj, Photo):
                hook(obj)

    event.listen(Session, "after_flush", after_flush)
    try:
        yield
    finally:
        event.remove(Session, "after_flush", after_flush)


def test_retry_with_same_key_after_lost_response_returns_the_first_photo(
    client, session, fleet, upload_dir
):
    driver = fleet["driver_user"]
    photo = sideways_jpeg((1600, 1200))
    first = upload(client, driver, photo, vehicle_id=fleet["vehicle"].id, key="trip-7-odo-1")
    assert first.status_code == 201
    # The phone never saw that answer and sends the same request again.
    retry = upload(client, driver, photo, vehicle_id=fleet["vehicle"].id, key="trip-7-odo-1")
    assert retry.status_code == 200, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert session.scalar(select(func.count()).select_from(Photo)) == 1
    assert len(stored_files(upload_dir)) == 2  # one original, one thumbnail


def test_same_key_with_other_bytes_is_409(client, fleet, upload_dir):
    driver = fleet["driver_user"]
    upload(client, driver, webp(), vehicle_id=fleet["vehicle"].id, key="k1")
    r = upload(client, driver, sideways_jpeg((800, 600)), vehicle_id=fleet["vehicle"].id, key="k1")
    assert r.status_code == 409


def test_same_key_from_another_user_is_another_photo(client, fleet, manager, upload_dir):
    a = upload(
        client,
        fleet["driver_user"],
        webp(),
        vehicle_id=fleet["vehicle"].id,
        key="k",
        kind="exterior",
    )
    b = upload(client, manager, sideways_jpeg((800, 600)), vehicle_id=fleet["vehicle"].id, key="k")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_same_bytes_for_same_vehicle_and_kind_without_key_are_stored_once(
    client, session, fleet, manager, upload_dir
):
    photo = webp()
    first = upload(client, manager, photo, vehicle_id=fleet["vehicle"].id, kind="damage")
    again = upload(client, manager, photo, vehicle_id=fleet["vehicle"].id, kind="damage")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    other_kind = upload(client, manager, photo, vehicle_id=fleet["vehicle"].id, kind="exterior")
    assert other_kind.status_code == 201
    assert session.scalar(select(func.count()).select_from(Photo)) == 2


def test_failure_between_file_write_and_commit_leaves_no_row_and_no_file(
    committed_client, engine, upload_dir
):
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (email, name, role, password_hash) "
                "VALUES ('m@example.com', 'M', 'manager', 'x')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO vehicles (plate, make, model, year) "
                "VALUES ('ABC1D23', 'Fiat', 'Uno', 2020)"
            )
        )
        user_id, vehicle_id = conn.execute(
            text("SELECT (SELECT id FROM users), (SELECT id FROM vehicles)")
        ).one()
    seen = {}

    def crash(photo):
        seen["files"] = stored_files(upload_dir)  # both files are in place, the row is flushed
        raise RuntimeError("power cut between rename and commit")

    class Manager:
        id = user_id

    with when_a_photo_row_is_flushed(crash):
        try:
            r = upload(committed_client, Manager, sideways_jpeg((800, 600)), vehicle_id=vehicle_id)
            assert r.status_code == 500
        except RuntimeError as exc:  # TestClient re-raises unless an error handler answered
            assert "power cut" in str(exc)
    assert len(seen["files"]) == 2
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM photos")) == 0
    assert stored_files(upload_dir) == []
    r = upload(committed_client, Manager, sideways_jpeg((800, 600)), vehicle_id=vehicle_id)
    assert r.status_code == 201  # and the next upload works


def test_two_concurrent_uploads_with_the_same_key_make_one_row(live_server, live_fleet):
    photo = sideways_jpeg(seed=42)
    headers = {**auth(live_fleet["driver_user"]), "Idempotency-Key": "same-key-twice"}
    answers = []
    start = threading.Barrier(2)

    def send():
        start.wait()
        r = httpx.post(
            live_server.url + "/api/v1/photos",
            headers=headers,
            timeout=60,
            data={"vehicle_id": str(live_fleet["vehicle"].id), "kind": "damage"},
            files={"file": ("a.jpg", photo, "image/jpeg")},
        )
        answers.append(r)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in answers) == [200, 201], [r.text for r in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    with live_server.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM photos")) == 1
    files = [p for p in live_server.upload_dir.rglob("*") if p.is_file()]
    assert len(files) == 2, files


def test_retry_while_the_first_upload_is_still_in_flight_waits_and_returns_it(
    committed_client, engine, upload_dir
):
    """The first request is held between writing its files and committing; the retry arrives
    meanwhile, waits on the key's lock, and answers with the first photo once it commits."""
    with engine.begin() as conn:
        user_id = conn.execute(
            text(
                "INSERT INTO users (email, name, role, password_hash) "
                "VALUES ('slow@example.com', 'S', 'manager', 'x') RETURNING id"
            )
        ).scalar_one()
        vehicle_id = conn.execute(
            text(
                "INSERT INTO vehicles (plate, make, model, year) "
                "VALUES ('SLO1W23', 'Fiat', 'Uno', 2020) RETURNING id"
            )
        ).scalar_one()

    class Manager:
        id = user_id

    first_holds_lock = threading.Event()
    release_first = threading.Event()

    def pause_first(photo):
        if not first_holds_lock.is_set():
            first_holds_lock.set()
            release_first.wait(10)

    photo = sideways_jpeg((800, 600))
    answers = {}

    def send(name):
        answers[name] = upload(
            committed_client, Manager, photo, vehicle_id=vehicle_id, key="in-flight"
        )

    with when_a_photo_row_is_flushed(pause_first):
        first = threading.Thread(target=send, args=("first",))
        first.start()
        assert first_holds_lock.wait(10)
        retry = threading.Thread(target=send, args=("retry",))
        retry.start()
        retry.join(1.0)
        assert retry.is_alive()  # waiting for the first one, not storing a second photo
        release_first.set()
        first.join(10)
        retry.join(10)
    assert answers["first"].status_code == 201
    assert answers["retry"].status_code == 200
    assert answers["retry"].json()["id"] == answers["first"].json()["id"]
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM photos")) == 1
    assert len(stored_files(upload_dir)) == 2
