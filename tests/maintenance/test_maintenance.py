"""Service records and reminders: totals, reminders by km and by months (whichever first), the
forecast from the vehicle's pace, and a service that resets them."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from tests.conftest import assert_never_500, auth

RECORDS, REMINDERS = "/api/v1/service-records", "/api/v1/reminders"


def local_today() -> date:
    """Today where the fleet is (EXIF_DEFAULT_OFFSET, -03:00), as the API counts days."""
    return datetime.now(timezone(timedelta(hours=-3))).date()


def add_months(day: date, months: int) -> date:
    """As PostgreSQL adds a month interval: the same day, or the month's last one."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    return date(year, month + 1, min(day.day, 28))


@pytest.fixture
def h(manager):
    return auth(manager)


@pytest.fixture
def car(make):
    return make.vehicle(odometer_km=20_000)


def remind(client, h, **fields):
    r = client.post(REMINDERS, json={"title": "Oil change", **fields}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def set_odometer(make, vehicle, km: int) -> None:
    make.session.execute(
        text("UPDATE vehicles SET odometer_km = :km WHERE id = :id"), {"km": km, "id": vehicle.id}
    )
    make.session.commit()
    vehicle.odometer_km = km


def drive(make, vehicle, km_per_day: int, days: int = 30):
    """Trips over the last `days` days at `km_per_day`, ending at the vehicle's odometer."""
    driver = make.driver()
    start = vehicle.odometer_km - km_per_day * days
    now = datetime.now(UTC)
    make.session.execute(
        text(
            "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km, end_odometer_km, "
            "started_at, finished_at) VALUES (:v, :d, :s, :e, :t0, :t1)"
        ),
        {
            "v": vehicle.id,
            "d": driver.id,
            "s": start,
            "e": vehicle.odometer_km,
            "t0": now - timedelta(days=days),
            "t1": now - timedelta(hours=1),
        },
    )
    make.session.commit()


def test_a_service_record_totals_items_and_labour(client, h, car):
    r = client.post(
        RECORDS,
        json={
            "vehicle_id": car.id,
            "odometer_km": 20_100,
            "kind": "preventive",
            "vendor": "Oficina do Zé",
            "items": [
                {"name": "Óleo 5W30", "quantity": 4.5, "unit_cost": 42.9},
                {"name": "Filtro de óleo", "unit_cost": 35},
            ],
            "labor_cost": 80,
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    record = r.json()
    assert record["total_cost"] == 308.05  # 4.5 × 42.90 + 35 + 80
    assert record["items"][1] == {"name": "Filtro de óleo", "quantity": 1.0, "unit_cost": 35.0}
    assert client.get(f"/api/v1/vehicles/{car.id}", headers=h).json()["odometer_km"] == 20_100
    fixed = client.patch(f"{RECORDS}/{record['id']}", json={"labor_cost": 100}, headers=h)
    assert fixed.json()["total_cost"] == 328.05
    listed = client.get(f"{RECORDS}?vehicle_id={car.id}&kind=preventive", headers=h).json()
    assert [r["id"] for r in listed["items"]] == [record["id"]]
    assert client.delete(f"{RECORDS}/{record['id']}", headers=h).status_code == 204
    assert client.get(f"{RECORDS}/{record['id']}", headers=h).status_code == 404


def test_an_oil_change_comes_due_by_km_and_a_service_resets_it(client, h, car, make):
    reminder = remind(client, h, vehicle_id=car.id, every_km=10_000, every_months=12)
    assert reminder["last_done_km"] == 20_000 and reminder["due_km"] == 30_000
    assert reminder["due_on"] == add_months(local_today(), 12).isoformat()
    assert reminder["status"] == "ok" and reminder["forecast_due_on"] is None  # no pace yet
    # 9,200 km later (300 km a day): within DUE_SOON_KM (1,000) of 30,000.
    set_odometer(make, car, 29_200)
    drive(make, car, km_per_day=300)
    soon = client.get(f"{REMINDERS}/{reminder['id']}", headers=h).json()
    assert soon["status"] == "due_soon"
    forecast = date.fromisoformat(soon["forecast_due_on"])
    assert local_today() + timedelta(days=2) <= forecast <= local_today() + timedelta(days=4)
    set_odometer(make, car, 30_050)
    overdue = client.get(f"{REMINDERS}?status=overdue", headers=h).json()["items"]
    assert [r["id"] for r in overdue] == [reminder["id"]]
    # The oil change is done: the reminder starts again from the record's odometer and date.
    record = client.post(
        RECORDS,
        json={
            "vehicle_id": car.id,
            "odometer_km": 30_080,
            "kind": "preventive",
            "labor_cost": 60,
            "completes_reminder_ids": [reminder["id"]],
        },
        headers=h,
    )
    assert record.status_code == 201, record.text
    again = client.get(f"{REMINDERS}/{reminder['id']}", headers=h).json()
    assert again["last_done_km"] == 30_080 and again["due_km"] == 40_080
    assert again["last_done_on"] == local_today().isoformat() and again["status"] == "ok"


def test_a_reminder_by_months_is_due_by_date(client, h, car):
    long_ago = (add_months(local_today(), -12) + timedelta(days=10)).isoformat()
    reminder = remind(client, h, vehicle_id=car.id, every_months=12, last_done_on=long_ago)
    assert reminder["due_km"] is None and reminder["status"] == "due_soon"
    older = add_months(local_today(), -13).isoformat()
    late = remind(client, h, vehicle_id=car.id, every_months=12, last_done_on=older)
    assert late["status"] == "overdue"
    listed = client.get(f"{REMINDERS}?vehicle_id={car.id}", headers=h).json()["items"]
    assert [r["id"] for r in listed] == [late["id"], reminder["id"]]  # most urgent first


def test_a_plan_for_many_vehicles_at_once(client, h, make):
    vehicles = [make.vehicle(odometer_km=km) for km in (1_000, 50_000, 90_000)]
    r = client.post(
        REMINDERS,
        json={"vehicle_ids": [v.id for v in vehicles], "title": "Pneus", "every_km": 40_000},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert [x["due_km"] for x in r.json()["items"]] == [41_000, 90_000, 130_000]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"title": "x"}, "vehicle_id"),
        ({"title": "x", "vehicle_id": 1, "vehicle_ids": [1], "every_km": 1}, "not both"),
        ({"title": "x", "vehicle_id": 1}, "every_km, every_months or both"),
        ({"title": "x", "vehicle_id": 999999, "every_km": 5000}, "does not exist"),
        ({"title": "x", "vehicle_id": 1, "every_km": 5000, "last_done_km": 10**6}, "above"),
    ],
)
def test_bad_reminders_are_422(client, h, car, body, detail):
    body = {**body, **({"vehicle_id": car.id} if body.get("vehicle_id") == 1 else {})}
    r = client.post(REMINDERS, json=body, headers=h)
    assert r.status_code == 422, r.text
    assert detail in str(r.json()["detail"]) + str(r.json().get("message"))


def test_a_record_names_only_its_vehicles_reminders_and_photos(client, h, car, make):
    other = make.vehicle()
    theirs = remind(client, h, vehicle_id=other.id, every_km=5_000)
    body = {"vehicle_id": car.id, "odometer_km": 20_000, "kind": "corrective"}
    for field, value, detail in (
        ("completes_reminder_ids", [theirs["id"]], "not of vehicle"),
        ("photo_ids", [123456], "not of vehicle"),
        ("resolves_defect_ids", [7], "Defect 7: not a defect of vehicle"),
        ("odometer_km", 90_000, "confirm"),
    ):
        r = client.post(RECORDS, json={**body, field: value}, headers=h)
        assert r.status_code == 422 and detail in r.json()["detail"], (field, r.text)


MATRIX = [("GET", RECORDS), ("POST", RECORDS), ("GET", REMINDERS), ("POST", REMINDERS)]


@pytest.mark.parametrize(("method", "url"), MATRIX)
@pytest.mark.parametrize(
    ("role", "allowed"),
    [("admin", True), ("manager", True), ("driver", False), ("anonymous", False)],
)
def test_roles(client, headers_as, car, method, url, role, allowed):
    body = {
        "vehicle_id": car.id,
        "odometer_km": 20_000,
        "kind": "other",
        "title": "t",
        "every_km": 1000,
    }
    body = {
        k: v
        for k, v in body.items()
        if k
        in (
            ("vehicle_id", "odometer_km", "kind")
            if url == RECORDS
            else ("vehicle_id", "title", "every_km")
        )
    }
    r = client.request(
        method, url, headers=headers_as(role), json=body if method == "POST" else None
    )
    expected = (
        {"GET": 200, "POST": 201}[method] if allowed else (401 if role == "anonymous" else 403)
    )
    assert r.status_code == expected, r.text


def test_bad_input_is_4xx_with_a_detail(client, h, car):
    body = {"vehicle_id": car.id, "odometer_km": 20_000, "kind": "tires", "labor_cost": 1}
    for field in (
        "vehicle_id",
        "odometer_km",
        "kind",
        "items",
        "labor_cost",
        "photo_ids",
        "performed_at",
        "vendor",
        "completes_reminder_ids",
    ):
        assert_never_500(client, "POST", RECORDS, body, field, h)
    body = {"vehicle_id": car.id, "title": "x", "every_km": 1000}
    for field in (
        "title",
        "every_km",
        "every_months",
        "last_done_km",
        "last_done_on",
        "vehicle_ids",
    ):
        assert_never_500(client, "POST", REMINDERS, body, field, h)
    reminder = remind(client, h, vehicle_id=car.id, every_km=1000)
    for field in ("title", "every_km", "every_months", "last_done_km", "last_done_on"):
        assert_never_500(client, "PATCH", f"{REMINDERS}/{reminder['id']}", {}, field, h)
