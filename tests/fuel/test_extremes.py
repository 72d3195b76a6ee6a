"""Extreme fill-ups: a segment whose km/l or litres would not fit their columns (0.001 l over
99,999 km, an odometer jumping to millions, a partial fill-up removed from under a tiny full
one, a CSV of such rows) is a 422 that names the fill-up, never a 500, and nothing is written.
What fits is stored exactly and the cost report reads it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from api.errors import Invalid
from api.fuel.models import FuelEntry
from api.fuel.service import MAX_KM_PER_LITER, MAX_SEGMENT_LITERS, chain_km_per_liter
from tests.conftest import auth
from tests.fuel.test_import import send

URL = "/api/v1/fuel-entries"


def log(client, user, day, **fields):
    body = {
        "fuel_type": "gasoline",
        "filled_at": f"2026-11-{day:02d}T10:00:00-03:00",
        "price_per_liter": 6,
        "confirm": True,
        **fields,
    }
    return client.post(URL, json=body, headers=auth(user))


@pytest.fixture
def car(make):
    return make.vehicle(odometer_km=10_000)


def entries(client, manager, car):
    r = client.get(URL, params={"vehicle_id": car.id}, headers=auth(manager))
    return sorted(r.json()["items"], key=lambda e: e["filled_at"])


@pytest.mark.parametrize(
    ("km", "liters"),
    [
        (10_000 + 99_999, 0.001),  # ~100 million km/l
        (5_000_000, 40),  # an odometer jumping to the maximum: 124,750 km/l
        (10_000 + 100_000, 1),  # exactly 100,000 km/l: one cent over the column
    ],
)
def test_a_segment_too_large_for_its_column_is_422(client, manager, car, km, liters):
    first = log(client, manager, 1, vehicle_id=car.id, odometer_km=10_000, liters=40)
    assert first.status_code == 201, first.text
    r = log(client, manager, 2, vehicle_id=car.id, odometer_km=km, liters=liters)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "km/l" in detail and "2026-11-02" in detail and f"{km} km" in detail, detail
    assert len(entries(client, manager, car)) == 1  # nothing written


def test_the_largest_km_per_liter_that_fits_is_stored(client, manager, car):
    log(client, manager, 1, vehicle_id=car.id, odometer_km=10_000, liters=40)
    r = log(client, manager, 2, vehicle_id=car.id, odometer_km=10_000 + 99_999, liters=1)
    assert r.status_code == 201, r.text
    assert r.json()["km_per_liter"] == 99_999.0
    report = client.get(
        "/api/v1/reports/costs",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers=auth(manager),
    )
    assert report.status_code == 200 and report.json()["totals"]["km_per_liter"] == 99_999.0


def test_a_change_that_would_overflow_a_segment_is_422(client, manager, car):
    h = auth(manager)
    log(client, manager, 1, vehicle_id=car.id, odometer_km=10_000, liters=40)
    closing = log(client, manager, 2, vehicle_id=car.id, odometer_km=10_500, liters=40).json()
    r = client.patch(
        f"{URL}/{closing['id']}", json={"liters": 0.001, "price_per_liter": 6}, headers=h
    )
    assert r.status_code == 422 and "km/l" in r.json()["detail"], r.text
    r = client.patch(
        f"{URL}/{closing['id']}", json={"odometer_km": 4_999_999, "confirm": True}, headers=h
    )
    assert r.status_code == 422 and "km/l" in r.json()["detail"], r.text
    after = entries(client, manager, car)
    assert [(e["odometer_km"], e["liters"], e["km_per_liter"]) for e in after] == [
        (10_000, 40.0, None),
        (10_500, 40.0, 12.5),
    ]


def test_removing_the_partial_fill_up_under_a_tiny_full_one_is_422(client, manager, car):
    h = auth(manager)
    log(client, manager, 1, vehicle_id=car.id, odometer_km=10_000, liters=40)
    partial = log(
        client, manager, 2, vehicle_id=car.id, odometer_km=60_000, liters=40, full_tank=False
    ).json()
    closing = log(client, manager, 3, vehicle_id=car.id, odometer_km=110_000, liters=0.001)
    assert closing.json()["km_per_liter"] == 2499.94  # 100,000 km ÷ 40.001 l
    r = client.delete(f"{URL}/{partial['id']}", headers=h)
    assert r.status_code == 422 and "km/l" in r.json()["detail"], r.text
    assert len(entries(client, manager, car)) == 3


def test_an_import_with_such_a_row_is_422_and_writes_nothing(client, manager, car):
    csv = (
        "plate,filled_at,odometer_km,liters,price_per_liter,fuel_type,confirm\n"
        f"{car.plate},2026-11-01T10:00:00-03:00,10000,40,6,gasoline,true\n"
        f"{car.plate},2026-11-02T10:00:00-03:00,4000000,0.001,6,gasoline,true\n"
    )
    r = send(client, manager, csv)
    assert r.status_code == 422, r.text
    assert "km/l" in str(r.json()["detail"]), r.text
    assert entries(client, manager, car) == []


def _entry(at, km, liters, full=True):
    return FuelEntry(
        filled_at=at, odometer_km=km, liters=Decimal(liters), full_tank=full, missed_previous=False
    )


def test_a_segments_litres_beyond_their_column_are_refused():
    """200 partial fill-ups of 5,000 l (the most one entry takes) between two full tanks: more
    litres than segment_liters holds (the API would need 200 requests to get there)."""
    at = datetime(2026, 11, 1, tzinfo=UTC)
    chain = [_entry(at, 10_000, "40")]
    chain += [_entry(at + timedelta(minutes=n), 10_000, "5000", full=False) for n in range(1, 201)]
    chain.append(_entry(at + timedelta(hours=9), 20_000, "1"))
    assert sum(e.liters for e in chain[1:]) > MAX_SEGMENT_LITERS
    with pytest.raises(Invalid, match="litres"):
        chain_km_per_liter(chain)
    # Just inside both limits: stored as computed.
    fits = [_entry(at, 0, "1"), _entry(at + timedelta(hours=1), 99_999, "1")]
    chain_km_per_liter(fits)
    assert fits[1].km_per_liter == MAX_KM_PER_LITER - Decimal("0.99")
