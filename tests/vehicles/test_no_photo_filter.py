"""`GET /vehicles?no_photo_within_days=7`: the panel's "no photo in the last 7 days" card."""

from datetime import UTC, datetime, timedelta

from tests.conftest import auth


def _photo(session, vehicle, *, days_ago: float):
    from api.photos.models import Photo

    n = session.info["photo_n"] = session.info.get("photo_n", 0) + 1
    photo = Photo(
        vehicle_id=vehicle.id,
        kind="exterior",
        sha256=f"{n:064x}",
        size_bytes=10,
        width=4,
        height=3,
        content_type="image/jpeg",
        original_path=f"o/{n}.jpg",
        thumbnail_path=f"t/{n}.jpg",
        created_at=datetime.now(UTC) - timedelta(days=days_ago),
    )
    session.add(photo)
    session.flush()
    return photo


def test_vehicles_without_a_recent_photo_are_listed(client, session, make, manager):
    recent = make.vehicle()
    stale = make.vehicle()
    never = make.vehicle()
    retired = make.vehicle(status="retired")
    _photo(session, recent, days_ago=1)
    _photo(session, stale, days_ago=8)
    response = client.get(
        "/api/v1/vehicles",
        params={"no_photo_within_days": 7, "limit": 200},
        headers=auth(manager),
    )
    assert response.status_code == 200
    ids = {v["id"] for v in response.json()["items"]}
    assert {stale.id, never.id} <= ids
    assert recent.id not in ids
    assert retired.id not in ids


def test_no_photo_filter_keeps_retired_vehicles_when_asked_for_them(client, make, manager):
    retired = make.vehicle(status="retired")
    response = client.get(
        "/api/v1/vehicles",
        params={"no_photo_within_days": 7, "status": "retired"},
        headers=auth(manager),
    )
    assert [v["id"] for v in response.json()["items"]] == [retired.id]
