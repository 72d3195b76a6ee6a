import hashlib
import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from tests.conftest import auth
from tests.photos.conftest import (
    LATITUDE,
    LONGITUDE,
    heic,
    png_with_alpha,
    sideways_jpeg,
    stored_files,
    upload,
    webp,
)


def _fetch(client, url: str) -> tuple[bytes, dict]:
    response = client.get(url)  # no bearer token: the signed URL is enough
    assert response.status_code == 200, response.text
    return response.content, response.headers


def test_sideways_12mp_jpeg_is_stored_byte_for_byte_with_exif_facts(
    client, fleet, manager, upload_dir
):
    original = sideways_jpeg()
    r = upload(client, manager, original, vehicle_id=fleet["vehicle"].id, filename="../../x.jpg")
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["sha256"] == hashlib.sha256(original).hexdigest()
    assert photo["size_bytes"] == len(original)
    assert (photo["width"], photo["height"]) == (3000, 4000)  # as shown, upright
    assert photo["content_type"] == "image/jpeg"
    assert datetime.fromisoformat(photo["taken_at"]) == datetime(2026, 11, 20, 13, 30, tzinfo=UTC)
    assert photo["latitude"] == pytest.approx(LATITUDE, abs=1e-6)
    assert photo["longitude"] == pytest.approx(LONGITUDE, abs=1e-6)
    assert photo["legal_hold"] is False
    body, headers = _fetch(client, photo["url"])
    assert body == original
    assert headers["content-type"] == "image/jpeg"
    # Server-made names only: nothing of the client's filename on disk.
    names = [p.name for p in stored_files(upload_dir)]
    assert len(names) == 2 and not any("x.jpg" == n for n in names)


def test_thumbnail_is_upright_small_jpeg_without_metadata(client, fleet, manager, upload_dir):
    photo = upload(client, manager, sideways_jpeg(), vehicle_id=fleet["vehicle"].id).json()
    body, headers = _fetch(client, photo["thumbnail_url"])
    assert headers["content-type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(body))
    assert thumb.format == "JPEG"
    # Portrait (orientation 6 applied); decoded straight at 1/4 scale by draft().
    assert thumb.size == (750, 1000)
    assert len(thumb.getexif()) == 0  # no orientation, no GPS, no date
    # The red band along the stored top edge is on the right once upright.
    right, left = thumb.getpixel((745, 500)), thumb.getpixel((5, 500))
    assert right[0] > 200 and right[1] < 60, right
    assert left[0] < 150, left


@pytest.mark.parametrize(
    ("make_image", "content_type", "size"),
    [
        (heic, "image/heic", (640, 480)),
        (png_with_alpha, "image/png", (800, 600)),
        (webp, "image/webp", (1600, 1200)),
    ],
    ids=["heic", "png-alpha", "webp"],
)
def test_heic_png_and_webp_are_accepted_with_a_jpeg_thumbnail(
    client, fleet, manager, upload_dir, make_image, content_type, size
):
    original = make_image()
    r = upload(client, manager, original, vehicle_id=fleet["vehicle"].id, filename="x.bin")
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["content_type"] == content_type
    assert (photo["width"], photo["height"]) == size
    thumb = Image.open(io.BytesIO(_fetch(client, photo["thumbnail_url"])[0]))
    assert thumb.format == "JPEG" and max(thumb.size) <= 1024
    assert thumb.size[0] / thumb.size[1] == pytest.approx(size[0] / size[1], rel=0.01)
    if content_type == "image/heic":
        # Most browsers cannot show HEIC: `url` is a full-size JPEG rendition ...
        body, headers = _fetch(client, photo["url"])
        assert "format=jpeg" in photo["url"] and headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(body)).size == size
        # ... and the original, byte for byte, is still there.
        r = client.get(f"/api/v1/photos/{photo['id']}/file", headers=auth(manager))
        assert r.content == original and r.headers["content-type"] == "image/heic"
        assert len(stored_files(upload_dir)) == 3
        client.delete(f"/api/v1/photos/{photo['id']}", headers=auth(manager))
        assert stored_files(upload_dir) == []
        return
    body, headers = _fetch(client, photo["url"])
    assert body == original and headers["content-type"] == content_type
    if content_type == "image/png":
        assert thumb.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=3)  # was clear


def test_driver_uploads_to_the_vehicle_checked_out_and_the_trip_is_recorded(
    client, fleet, upload_dir
):
    r = upload(
        client, fleet["driver_user"], webp(), vehicle_id=fleet["vehicle"].id, kind="odometer"
    )
    assert r.status_code == 201, r.text
    assert r.json()["trip_id"] == fleet["trip"].id
    assert r.json()["kind"] == "odometer"


def test_taken_at_from_the_form_wins_over_exif(client, fleet, manager, upload_dir):
    r = upload(
        client,
        manager,
        sideways_jpeg(),
        vehicle_id=fleet["vehicle"].id,
        taken_at="2026-11-21T08:00:00-03:00",
    )
    assert datetime.fromisoformat(r.json()["taken_at"]) == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)


def test_missing_fields_are_422(client, fleet, manager, upload_dir):
    r = client.post(
        "/api/v1/photos",
        headers=auth(manager),
        data={"kind": "damage"},
        files={"file": ("a.jpg", webp(), "image/jpeg")},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "vehicle_id"]
    r = client.post(
        "/api/v1/photos",
        headers=auth(manager),
        data={"vehicle_id": str(fleet["vehicle"].id), "kind": "selfie"},
        files={"file": ("a.jpg", webp(), "image/jpeg")},
    )
    assert r.status_code == 422
    assert stored_files(upload_dir) == []


def test_unknown_vehicle_is_422_and_upload_needs_a_token(client, manager, upload_dir):
    assert upload(client, manager, webp(), vehicle_id=999999).status_code == 422
    r = client.post(
        "/api/v1/photos",
        data={"vehicle_id": "1", "kind": "damage"},
        files={"file": ("a.jpg", webp(), "image/jpeg")},
    )
    assert r.status_code == 401
    assert stored_files(upload_dir) == []


def test_list_filters_and_pages(client, fleet, manager, make, upload_dir):
    other = make.vehicle()
    for n in range(3):
        upload(client, manager, sideways_jpeg((400, 300), seed=n), vehicle_id=fleet["vehicle"].id)
    upload(client, manager, webp(), vehicle_id=other.id, kind="fuel_receipt")
    r = client.get(
        "/api/v1/photos",
        params={"vehicle_id": fleet["vehicle"].id, "limit": 2},
        headers=auth(manager),
    )
    page = r.json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["next"]
    ids = [p["id"] for p in page["items"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    r = client.get("/api/v1/photos", params={"kind": "fuel_receipt"}, headers=auth(manager))
    assert [p["vehicle_id"] for p in r.json()["items"]] == [other.id]


def test_delete_removes_row_and_files_but_not_on_legal_hold(client, fleet, manager, upload_dir):
    photo = upload(client, manager, webp(), vehicle_id=fleet["vehicle"].id).json()
    url = f"/api/v1/photos/{photo['id']}"
    held = client.patch(url, json={"legal_hold": True}, headers=auth(manager))
    assert held.status_code == 200 and held.json()["legal_hold"] is True
    assert client.delete(url, headers=auth(manager)).status_code == 409
    assert client.delete(url, headers=auth(fleet["driver_user"])).status_code == 403
    client.patch(url, json={"legal_hold": False}, headers=auth(manager))
    assert client.delete(url, headers=auth(manager)).status_code == 204
    assert client.get(url, headers=auth(manager)).status_code == 404
    assert stored_files(upload_dir) == []


def test_driver_cannot_set_legal_hold(client, fleet, manager, upload_dir):
    photo = upload(client, manager, webp(), vehicle_id=fleet["vehicle"].id).json()
    r = client.patch(
        f"/api/v1/photos/{photo['id']}",
        json={"legal_hold": True},
        headers=auth(fleet["driver_user"]),
    )
    assert r.status_code == 403


def test_vehicle_with_photos_is_retired_not_deleted(client, make, manager, upload_dir):
    vehicle = make.vehicle()
    upload(client, manager, webp(), vehicle_id=vehicle.id)
    r = client.delete(f"/api/v1/vehicles/{vehicle.id}", headers=auth(manager))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "retired"
