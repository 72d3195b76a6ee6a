"""tus 1.0.0 as the protocol says, in-process: every status and header of every case."""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

from tests.conftest import auth
from tests.photos.conftest import sideways_jpeg
from tests.uploads.conftest import TUS, create, metadata, patch


def _photo_fields(fleet):
    return {"vehicle_id": fleet["vehicle"].id, "kind": "exterior"}


def test_options_advertises_the_extensions(client):
    response = client.options("/api/v1/uploads")
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "termination",
        "checksum",
        "expiration",
    }
    assert response.headers["Tus-Checksum-Algorithm"] == "sha1,sha256"
    assert int(response.headers["Tus-Max-Size"]) == 50 * 1024 * 1024
    assert "Tus-Resumable" not in response.headers


def test_upload_in_two_patches_becomes_one_photo(client, upload_dir, fleet):
    user = fleet["driver_user"]
    photo = sideways_jpeg(size=(1200, 900))
    created = create(client, user, len(photo), **_photo_fields(fleet), filename="a.jpg")
    assert created.status_code == 201, created.text
    assert created.headers["Tus-Resumable"] == "1.0.0"
    assert created.headers["Upload-Offset"] == "0"
    expires = datetime.strptime(created.headers["Upload-Expires"], "%a, %d %b %Y %H:%M:%S GMT")
    assert timedelta(hours=23) < expires.replace(tzinfo=UTC) - datetime.now(UTC)
    location = created.headers["Location"]
    half = len(photo) // 2
    first = patch(client, user, location, 0, photo[:half])
    assert first.status_code == 204, first.text
    assert first.headers["Upload-Offset"] == str(half)
    assert "Photo-Location" not in first.headers
    head = client.head(location, headers={**TUS, **auth(user)})
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == str(half)
    assert head.headers["Upload-Length"] == str(len(photo))
    assert head.headers["Cache-Control"] == "no-store"
    assert head.headers["Upload-Metadata"] == metadata(**_photo_fields(fleet), filename="a.jpg")
    last = patch(client, user, location, half, photo[half:])
    assert last.status_code == 204, last.text
    photo_location = last.headers["Photo-Location"]
    stored = client.get(photo_location, headers=auth(user)).json()
    assert stored["sha256"] == hashlib.sha256(photo).hexdigest()
    assert stored["kind"] == "exterior" and stored["trip_id"] == fleet["trip"].id
    assert stored["latitude"] is not None  # EXIF read, as POST /photos does
    status = client.get(location, headers=auth(user)).json()
    assert status["offset"] == status["length"] == len(photo)
    assert f"/api/v1/photos/{status['photo_id']}" == photo_location
    # A retried last PATCH (its response was lost) answers the same, and stores nothing new.
    again = patch(client, user, location, len(photo), b"")
    assert again.status_code == 204 and again.headers["Photo-Location"] == photo_location
    assert not list((upload_dir / ".partial").rglob("*.bin"))


def test_creation_with_upload_stores_a_small_photo_at_once(client, upload_dir, fleet):
    user = fleet["driver_user"]
    photo = sideways_jpeg(size=(640, 480))
    created = create(client, user, len(photo), body=photo, **_photo_fields(fleet))
    assert created.status_code == 201, created.text
    assert created.headers["Upload-Offset"] == str(len(photo))
    assert created.headers["Photo-Location"].startswith("/api/v1/photos/")


def test_wrong_version_is_412(client, fleet):
    response = client.post(
        "/api/v1/uploads",
        headers={**auth(fleet["driver_user"]), "Tus-Resumable": "0.2.2", "Upload-Length": "10"},
    )
    assert response.status_code == 412
    assert response.headers["Tus-Version"] == "1.0.0"
    assert "Tus-Resumable" in response.json()["detail"]


def test_wrong_content_type_is_415(client, upload_dir, fleet):
    user = fleet["driver_user"]
    location = create(client, user, 100, **_photo_fields(fleet)).headers["Location"]
    response = client.patch(
        location,
        headers={**TUS, **auth(user), "Upload-Offset": "0", "Content-Type": "image/jpeg"},
        content=b"x" * 10,
    )
    assert response.status_code == 415
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert "application/offset+octet-stream" in response.json()["detail"]


def test_wrong_offset_is_409_and_writes_nothing(client, upload_dir, fleet):
    user = fleet["driver_user"]
    location = create(client, user, 100, **_photo_fields(fleet)).headers["Location"]
    assert patch(client, user, location, 0, b"a" * 10).status_code == 204
    response = patch(client, user, location, 5, b"b" * 10)
    assert response.status_code == 409
    assert "at 10" in response.json()["detail"]
    head = client.head(location, headers={**TUS, **auth(user)})
    assert head.headers["Upload-Offset"] == "10"


def test_checksum_mismatch_is_460_and_the_chunk_is_discarded(client, upload_dir, fleet):
    user = fleet["driver_user"]
    photo = sideways_jpeg(size=(800, 600))
    location = create(client, user, len(photo), **_photo_fields(fleet)).headers["Location"]

    def digest(algorithm, data):
        return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"

    first = photo[:1000]
    good = patch(client, user, location, 0, first, **{"Upload-Checksum": digest("sha1", first)})
    assert good.status_code == 204 and good.headers["Upload-Offset"] == "1000"
    rest = photo[1000:]
    bad = patch(
        client, user, location, 1000, rest, **{"Upload-Checksum": digest("sha256", b"other")}
    )
    assert bad.status_code == 460
    assert "discarded" in bad.json()["detail"]
    assert client.head(location, headers={**TUS, **auth(user)}).headers["Upload-Offset"] == "1000"
    unknown = patch(client, user, location, 1000, rest, **{"Upload-Checksum": "md5 AAAA"})
    assert unknown.status_code == 400 and "md5" in unknown.json()["detail"]
    done = patch(client, user, location, 1000, rest, **{"Upload-Checksum": digest("sha256", rest)})
    assert done.status_code == 204 and "Photo-Location" in done.headers


def test_more_than_the_limit_is_413(client, upload_dir, fleet):
    user = fleet["driver_user"]
    response = create(client, user, 50 * 1024 * 1024 + 1, **_photo_fields(fleet))
    assert response.status_code == 413
    assert response.headers["Tus-Resumable"] == "1.0.0"
    location = create(client, user, 10, **_photo_fields(fleet)).headers["Location"]
    past_length = patch(client, user, location, 0, b"x" * 11)
    assert past_length.status_code == 413 and "Upload-Length" in past_length.json()["detail"]


def test_bad_creation_requests_are_4xx_with_a_detail(client, upload_dir, fleet):
    user = fleet["driver_user"]
    cases = [
        ({"Upload-Length": "abc"}, 400, "Upload-Length"),
        ({"Upload-Length": "10", "Upload-Metadata": "kind not-base64!"}, 400, "base64"),
        ({"Upload-Length": "10", "Upload-Metadata": metadata(kind="exterior")}, 422, "vehicle"),
        ({"Upload-Length": "0", "Upload-Metadata": metadata(**_photo_fields(fleet))}, 422, "0"),
        (
            {"Upload-Length": "10", "Upload-Metadata": metadata(vehicle_id=999999, kind="x")},
            422,
            "kind",
        ),
    ]
    for headers, expected, word in cases:
        response = client.post("/api/v1/uploads", headers={**TUS, **auth(user), **headers})
        assert response.status_code == expected, (headers, response.text)
        assert word in response.json()["detail"], response.text
    assert not list((upload_dir / ".partial").rglob("*.json"))


def test_a_driver_without_the_vehicle_is_refused_before_any_byte(client, make, upload_dir):
    user, _driver = make.driver_login()
    vehicle = make.vehicle(status="in_use")  # someone else's trip
    response = create(client, user, 1000, vehicle_id=vehicle.id, kind="exterior")
    assert response.status_code == 403
    assert "checked out" in response.json()["detail"]


def test_another_users_upload_is_404(client, make, upload_dir, fleet):
    location = create(client, fleet["driver_user"], 100, **_photo_fields(fleet)).headers["Location"]
    other = make.user("manager")
    assert client.head(location, headers={**TUS, **auth(other)}).status_code == 404
    assert patch(client, other, location, 0, b"x").status_code == 404
    assert client.delete(location, headers={**TUS, **auth(other)}).status_code == 404
    assert client.get(location, headers=auth(other)).status_code == 404
    assert client.head(location, headers=TUS).status_code == 401


def test_expired_upload_is_410_and_pruning_removes_it(client, upload_dir, fleet):
    from api.photos.storage import PhotoStorage
    from api.uploads import service

    user = fleet["driver_user"]
    location = create(client, user, 100, **_photo_fields(fleet)).headers["Location"]
    assert patch(client, user, location, 0, b"x" * 10).status_code == 204
    (state_path,) = (upload_dir / ".partial").rglob("*.json")
    state = json.loads(state_path.read_text())
    state["expires_at"] = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    state_path.write_text(json.dumps(state))
    head = client.head(location, headers={**TUS, **auth(user)})
    assert head.status_code == 410
    assert patch(client, user, location, 10, b"y").status_code == 410
    removed, freed = service.remove_expired(
        PhotoStorage(upload_dir), dry_run=False, grace_seconds=3600
    )
    assert (removed, freed) == (1, 10)
    assert not list((upload_dir / ".partial").rglob("*.*"))
    assert client.head(location, headers={**TUS, **auth(user)}).status_code == 404


def test_delete_ends_an_upload(client, upload_dir, fleet):
    user = fleet["driver_user"]
    location = create(client, user, 100, **_photo_fields(fleet)).headers["Location"]
    response = client.delete(location, headers={**TUS, **auth(user)})
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert client.head(location, headers={**TUS, **auth(user)}).status_code == 404
    assert not list((upload_dir / ".partial").rglob("*.*"))


def test_at_most_ten_unfinished_uploads(client, upload_dir, fleet):
    user = fleet["driver_user"]
    locations = [
        create(client, user, 100, **_photo_fields(fleet)).headers["Location"] for _ in range(10)
    ]
    eleventh = create(client, user, 100, **_photo_fields(fleet))
    assert eleventh.status_code == 429
    assert "10 unfinished" in eleventh.json()["detail"]
    client.delete(locations[0], headers={**TUS, **auth(user)})
    assert create(client, user, 100, **_photo_fields(fleet)).status_code == 201


def test_not_a_photo_is_422_and_the_upload_is_gone(client, upload_dir, fleet):
    user = fleet["driver_user"]
    body = b"%PDF-1.4 not a photo" * 10
    location = create(client, user, len(body), **_photo_fields(fleet)).headers["Location"]
    response = patch(client, user, location, 0, body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    assert client.head(location, headers={**TUS, **auth(user)}).status_code == 404
    assert not list(upload_dir.rglob("*.bin"))


def test_cors_exposes_the_tus_headers(client, monkeypatch, upload_dir):
    from fastapi.testclient import TestClient

    from api.config import get_settings
    from api.main import create_app

    monkeypatch.setenv("CORS_ORIGINS", "https://panel.example.com")
    get_settings.cache_clear()
    with TestClient(create_app()) as browser:
        preflight = browser.options(
            "/api/v1/uploads/abc",
            headers={
                "Origin": "https://panel.example.com",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "tus-resumable,upload-offset,content-type",
            },
        )
        assert preflight.status_code == 200
        allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
        assert "upload-offset" in allowed and "tus-resumable" in allowed
        response = browser.options(
            "/api/v1/uploads", headers={"Origin": "https://panel.example.com"}
        )
        exposed = response.headers["Access-Control-Expose-Headers"].lower()
        for header in ("upload-offset", "location", "tus-resumable", "upload-expires"):
            assert header in exposed
    get_settings.cache_clear()
