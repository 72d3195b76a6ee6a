"""The photo list is written by PostgreSQL (row_to_json) and Python adds the signed links: each
item must be exactly what GET /photos/{id} answers for the same photo."""

from urllib.parse import urlsplit

from tests.conftest import auth
from tests.photos.conftest import heic, sideways_jpeg, upload


def _without_signatures(photo: dict) -> dict:
    # The links' expiry is rounded to the minute: compare them without their query strings.
    links = {k: urlsplit(photo[k])._replace(query="").geturl() for k in ("url", "thumbnail_url")}
    queries = {
        k: sorted(p.split("=")[0] for p in urlsplit(photo[k]).query.split("&"))
        for k in ("url", "thumbnail_url")
    }
    return {**photo, **links, "queries": queries}


def test_list_items_are_exactly_the_single_photo_json(client, fleet, manager, upload_dir):
    vehicle = fleet["vehicle"].id
    # EXIF time without microseconds and GPS floats (from sideways_jpeg); HEIC: `url` points to
    # the JPEG rendition; a form time with microseconds.
    uploaded = [
        upload(client, manager, sideways_jpeg(size=(800, 600)), vehicle_id=vehicle).json(),
        upload(
            client, manager, heic(), vehicle_id=vehicle, taken_at="2026-11-21T08:00:00.5-03:00"
        ).json(),
    ]
    assert uploaded[0]["taken_at"].endswith(":00Z") and uploaded[0]["latitude"] is not None
    assert "format=jpeg" in uploaded[1]["url"]

    r = client.get(f"/api/v1/photos?vehicle_id={vehicle}", headers=auth(manager))
    assert r.status_code == 200, r.text
    listed = {photo["id"]: photo for photo in r.json()["items"]}
    for photo in uploaded:
        single = client.get(f"/api/v1/photos/{photo['id']}", headers=auth(manager)).json()
        assert _without_signatures(listed[photo["id"]]) == _without_signatures(single)
        assert list(listed[photo["id"]]) == list(single)  # same fields, same order
    assert listed[uploaded[1]["id"]]["taken_at"] == "2026-11-21T11:00:00.500000Z"
