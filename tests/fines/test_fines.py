"""Fines name the driver from the trips: inside a trip its driver, between trips `no_trip`, at a
hand-over (within 15 minutes of a check-in and the next check-out) `ambiguous` with both."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.conftest import assert_never_500, auth

URL = "/api/v1/fines"
T0 = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def h(manager):
    return auth(manager)


@pytest.fixture
def day(make):
    """A vehicle's day: Ana 08:00–12:00, Bruno 12:10–17:00 (a hand-over at noon)."""
    car = make.vehicle(plate="MUL1T23")
    ana_user, ana = make.driver_login(name="Ana")
    bruno = make.driver(name="Bruno")
    for driver, start, end in (
        (ana, T0, T0 + timedelta(hours=4)),
        (bruno, T0 + timedelta(hours=4, minutes=10), T0 + timedelta(hours=9)),
    ):
        make.session.execute(
            text(
                "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km, end_odometer_km, "
                "started_at, finished_at) VALUES (:v, :d, 0, 10, :s, :e)"
            ),
            {"v": car.id, "d": driver.id, "s": start, "e": end},
        )
    make.session.commit()
    return {"car": car, "ana": ana, "ana_user": ana_user, "bruno": bruno}


def fine(client, h, car, at: datetime, **fields):
    r = client.post(
        URL,
        json={"vehicle_id": car.id, "occurred_at": at.isoformat(), "amount": 195.23, **fields},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_fine_inside_a_trip_names_its_driver(client, h, day):
    f = fine(
        client,
        h,
        day["car"],
        T0 + timedelta(hours=2),
        infraction_code="745-50",
        notice_received_on="2026-11-20",
    )
    assert f["identification"] == "identified" and f["driver_id"] == day["ana"].id
    assert f["candidate_driver_ids"] == [day["ana"].id]
    assert f["identification_deadline"] == "2026-12-20"  # the notice + 30 days


def test_a_fine_between_trips_is_no_trip(client, h, day):
    f = fine(client, h, day["car"], T0 + timedelta(hours=12))
    assert f["identification"] == "no_trip" and f["driver_id"] is None
    assert f["candidate_driver_ids"] == []


def test_a_fine_at_a_hand_over_is_ambiguous_with_both(client, h, day):
    f = fine(client, h, day["car"], T0 + timedelta(hours=4, minutes=5))
    assert f["identification"] == "ambiguous" and f["driver_id"] is None
    assert f["candidate_driver_ids"] == sorted([day["ana"].id, day["bruno"].id])
    # The manager names the driver by hand, then tells the authority.
    named = client.patch(f"{URL}/{f['id']}", json={"driver_id": day["bruno"].id}, headers=h)
    assert named.json()["identification"] == "identified"
    told = client.patch(f"{URL}/{f['id']}", json={"status": "driver_named"}, headers=h)
    assert told.json()["status"] == "driver_named"


def test_drivers_see_the_fines_named_to_them(client, h, day, make):
    mine = fine(client, h, day["car"], T0 + timedelta(hours=1))
    fine(client, h, day["car"], T0 + timedelta(hours=6))  # Bruno's
    listed = client.get(URL, headers=auth(day["ana_user"])).json()
    assert [f["id"] for f in listed["items"]] == [mine["id"]]
    assert client.get(f"{URL}/{mine['id']}", headers=auth(day["ana_user"])).status_code == 200
    other, _ = make.driver_login()
    assert client.get(f"{URL}/{mine['id']}", headers=auth(other)).status_code == 404
    assert client.post(URL, json={}, headers=auth(day["ana_user"])).status_code == 403


def test_deadlines_are_on_due(client, h, day):
    today = datetime.now(UTC).date()
    f = fine(
        client,
        h,
        day["car"],
        T0 + timedelta(hours=1),
        notice_received_on=(today - timedelta(days=25)).isoformat(),
        due_on=(today + timedelta(days=20)).isoformat(),
    )
    items = client.get("/api/v1/due?kind=fine_identification", headers=h).json()["items"]
    assert [(i["ref"], i["due_on"]) for i in items] == [
        (f"/api/v1/fines/{f['id']}", (today + timedelta(days=5)).isoformat())
    ]
    assert items[0]["driver_id"] == day["ana"].id
    payment = client.get("/api/v1/due?kind=fine_payment", headers=h).json()["items"]
    assert [i["due_on"] for i in payment] == [(today + timedelta(days=20)).isoformat()]
    client.patch(f"{URL}/{f['id']}", json={"status": "paid"}, headers=h)
    assert client.get("/api/v1/due?kind=fine_payment", headers=h).json()["items"] == []
    assert client.get("/api/v1/due?kind=fine_identification", headers=h).json()["items"] == []


def test_fines_import_checked_whole_first(client, h, day):
    content = (
        "plate;occurred_at;amount;infraction_code;notice_received_on;due_on\n"
        "MUL1T23;10/11/2026 07:00;195,23;745-50;20/11/2026;15/12/2026\n"  # 10:00 UTC: Ana
        "MUL1T23;10/11/2026 09:05;130,16;746-30;20/11/2026;15/12/2026\n"  # 12:05 UTC: hand-over
    )
    files = {"file": ("multas.csv", content.encode("cp1252"), "text/csv")}
    dry = client.post(f"{URL}/import?dry_run=true", files=files, headers=h)
    assert dry.json() == {"dry_run": True, "checked": 2, "created": 0}, dry.text
    assert client.get(URL, headers=h).json()["total"] == 0
    done = client.post(f"{URL}/import", files=files, headers=h)
    assert done.json()["created"] == 2
    fines = {f["infraction_code"]: f for f in client.get(URL, headers=h).json()["items"]}
    assert fines["745-50"]["driver_id"] == day["ana"].id and fines["745-50"]["amount"] == 195.23
    assert fines["746-30"]["identification"] == "ambiguous"
    assert fines["745-50"]["due_on"] == "2026-12-15"
    bad = "plate,occurred_at,amount\nMUL1T23,2026-11-10T10:00:00Z,-5\nNOPE123,2026-11-10,1\n"
    r = client.post(f"{URL}/import", files={"file": ("f.csv", bad.encode())}, headers=h)
    assert r.status_code == 422 and [e["line"] for e in r.json()["detail"]] == [2, 3]
    assert client.get(URL, headers=h).json()["total"] == 2


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 201), ("manager", 201), ("driver", 403), ("anonymous", 401)]
)
def test_create_by_role(client, headers_as, make, role, expected):
    car = make.vehicle()
    body = {"vehicle_id": car.id, "occurred_at": "2026-11-01T10:00:00Z", "amount": 88.38}
    assert client.post(URL, json=body, headers=headers_as(role)).status_code == expected


def test_bad_input_is_4xx_with_a_detail(client, h, make):
    car = make.vehicle()
    body = {"vehicle_id": car.id, "occurred_at": "2026-11-01T10:00:00Z", "amount": 88.38}
    for field in (
        "vehicle_id",
        "occurred_at",
        "amount",
        "points",
        "due_on",
        "notice_received_on",
        "place",
        "infraction_code",
        "description",
        "notes",
    ):
        assert_never_500(client, "POST", URL, body, field, h)
    made = client.post(URL, json=body, headers=h).json()
    for field in ("driver_id", "status", "amount", "points", "due_on"):
        assert_never_500(client, "PATCH", f"{URL}/{made['id']}", {}, field, h)
    assert date.fromisoformat(made["occurred_at"][:10]) == date(2026, 11, 1)
