"""Drivers see and add photos only on their own trips; signed links open files without a token."""

import time
from urllib.parse import parse_qs, urlencode, urlsplit

from api.photos import signing
from api.trips.models import Trip
from tests.conftest import auth
from tests.photos.conftest import sideways_jpeg, upload, webp


def _other_driver(make):
    vehicle = make.vehicle(status="in_use")
    user, driver = make.driver_login()
    trip = Trip(vehicle_id=vehicle.id, driver_id=driver.id, start_odometer_km=0)
    make.session.add(trip)
    make.session.flush()
    return user, vehicle, trip


def test_other_driver_cannot_read_list_or_upload_to_a_trip_not_theirs(
    client, fleet, make, upload_dir
):
    photo = upload(client, fleet["driver_user"], webp(), vehicle_id=fleet["vehicle"].id).json()
    intruder, own_vehicle, own_trip = _other_driver(make)
    mine = upload(client, intruder, sideways_jpeg((400, 300)), vehicle_id=own_vehicle.id).json()

    assert client.get(f"/api/v1/photos/{photo['id']}", headers=auth(intruder)).status_code == 404
    for variant in ("file", "thumbnail"):
        r = client.get(f"/api/v1/photos/{photo['id']}/{variant}", headers=auth(intruder))
        assert r.status_code == 404
    listed = client.get("/api/v1/photos", headers=auth(intruder)).json()
    assert [p["id"] for p in listed["items"]] == [mine["id"]]
    listed = client.get(
        "/api/v1/photos", params={"vehicle_id": fleet["vehicle"].id}, headers=auth(intruder)
    ).json()
    assert listed["total"] == 0

    to_their_trip = upload(
        client, intruder, webp(), vehicle_id=fleet["vehicle"].id, trip_id=fleet["trip"].id
    )
    assert to_their_trip.status_code == 403
    to_their_vehicle = upload(client, intruder, webp(), vehicle_id=fleet["vehicle"].id)
    assert to_their_vehicle.status_code == 403
    # The owner and a manager do see it.
    assert (
        client.get(f"/api/v1/photos/{photo['id']}", headers=auth(fleet["driver_user"])).status_code
        == 200
    )


def test_trip_of_another_vehicle_is_422(client, fleet, make, manager, upload_dir):
    other = make.vehicle()
    r = upload(client, manager, webp(), vehicle_id=other.id, trip_id=fleet["trip"].id)
    assert r.status_code == 422


def test_bearer_token_also_opens_the_file(client, fleet, manager, upload_dir):
    photo = upload(client, manager, webp(), vehicle_id=fleet["vehicle"].id).json()
    assert client.get(f"/api/v1/photos/{photo['id']}/file").status_code == 401
    r = client.get(f"/api/v1/photos/{photo['id']}/file", headers=auth(manager))
    assert r.status_code == 200 and r.headers["content-type"] == "image/webp"


def test_signed_url_works_without_token_with_cache_headers_and_etag(
    client, fleet, manager, upload_dir
):
    photo = upload(client, manager, webp(), vehicle_id=fleet["vehicle"].id).json()
    r = client.get(photo["url"])
    assert r.status_code == 200
    assert r.headers["etag"] == f'"{photo["sha256"]}"'
    assert r.headers["cache-control"].startswith("private")
    again = client.get(photo["url"], headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    thumb = client.get(photo["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert (
        client.get(
            photo["thumbnail_url"], headers={"If-None-Match": thumb.headers["etag"]}
        ).status_code
        == 304
    )


def _with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.path}?{urlencode(query)}"


def test_tampered_signed_url_is_refused(client, fleet, manager, upload_dir):
    first = upload(client, manager, webp(), vehicle_id=fleet["vehicle"].id).json()
    second = upload(
        client, manager, sideways_jpeg((400, 300)), vehicle_id=fleet["vehicle"].id
    ).json()
    query = parse_qs(urlsplit(first["url"]).query)
    signature, expires = query["signature"][0], int(query["expires"][0])
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert client.get(_with_query(first["url"], signature=flipped)).status_code == 403
    assert client.get(_with_query(first["url"], expires=expires + 3600)).status_code == 403
    # A signature for one photo (or its thumbnail) does not open another photo or the original.
    other = first["url"].replace(f"/photos/{first['id']}/", f"/photos/{second['id']}/")
    assert client.get(other).status_code == 403
    thumb_query = urlsplit(first["thumbnail_url"]).query
    assert client.get(f"/api/v1/photos/{first['id']}/file?{thumb_query}").status_code == 403
    assert client.get(_with_query(first["url"], signature="")).status_code == 403


def test_expired_signed_url_is_refused(client, fleet, manager, upload_dir):
    from api.config import get_settings

    photo = upload(client, manager, webp(), vehicle_id=fleet["vehicle"].id).json()
    expires = signing.expiry(15, now=time.time() - 16 * 60 - 60)
    signature = signing.url_signature(
        get_settings().secret_key.get_secret_value(), photo["id"], "file", expires
    )
    r = client.get(
        f"/api/v1/photos/{photo['id']}/file", params={"expires": expires, "signature": signature}
    )
    assert r.status_code == 403
    assert "expired" in r.json()["detail"]
    # The same photo, freshly signed, opens.
    fresh = client.get(f"/api/v1/photos/{photo['id']}", headers=auth(manager)).json()
    assert client.get(fresh["url"]).status_code == 200


def test_a_signed_link_answers_head_with_the_headers_of_get(client, fleet, manager, upload_dir):
    photo = upload(client, manager, webp(), vehicle_id=fleet["vehicle"].id).json()
    for url in (photo["url"], photo["thumbnail_url"]):
        got, head = client.get(url), client.head(url)
        assert head.status_code == 200 and head.content == b""
        for name in ("content-type", "content-length", "etag"):
            assert head.headers[name] == got.headers[name], name


def test_a_file_is_never_cached_longer_than_its_link_lives(client, fleet, manager, upload_dir):
    photo = upload(client, manager, webp(), vehicle_id=fleet["vehicle"].id).json()
    expires = int(parse_qs(urlsplit(photo["url"]).query)["expires"][0])
    r = client.get(photo["url"])
    max_age = int(r.headers["cache-control"].split("max-age=")[1])
    assert 0 < max_age <= expires - time.time() + 1
    bearer = client.get(f"/api/v1/photos/{photo['id']}/file", headers=auth(manager))
    assert bearer.headers["cache-control"] == "private, max-age=900"  # SIGNED_URL_MINUTES 15
