"""Role matrix for /fuel-entries: drivers log and read their own, managers and admins all."""

import pytest

URL = "/api/v1/fuel-entries"
ROLES = ["admin", "manager", "driver", "anonymous"]
CSV = (
    "plate,filled_at,odometer_km,liters,total_price,fuel_type\n"
    "RLS1A23,2026-11-01,1500,10,60,diesel\n"
)


@pytest.fixture
def entry(make):
    """Someone else's fill-up: a driver may not see it."""
    from api.fuel.models import FuelEntry

    vehicle = make.vehicle(plate="RLS1A23", odometer_km=1000)
    row = FuelEntry(
        vehicle_id=vehicle.id,
        filled_at="2026-10-01T10:00:00Z",
        odometer_km=1000,
        liters=10,
        price_per_liter=6,
        total_price=60,
        fuel_type="diesel",
    )
    return make._save(row)


def call(client, headers, method, path, entry):
    url = URL + path.format(id=entry.id)
    if path == "/import":
        return client.post(url, headers=headers, files={"file": ("f.csv", CSV.encode())})
    body = {"notes": "checked"} if method == "PATCH" else None
    if method == "POST":
        body = {
            "vehicle_id": entry.vehicle_id,
            "odometer_km": 1001,
            "liters": 1,
            "total_price": 6,
            "fuel_type": "diesel",
        }
    return client.request(method, url, headers=headers, json=body)


MATRIX = [
    # method, path, admin, manager, driver (someone else's entry; no trip), anonymous
    ("GET", "", 200, 200, 200, 401),
    ("POST", "", 201, 201, 409, 401),
    ("GET", "/{id}", 200, 200, 404, 401),
    ("PATCH", "/{id}", 200, 200, 403, 401),
    ("DELETE", "/{id}", 204, 204, 403, 401),
    ("POST", "/import", 200, 200, 403, 401),
]


@pytest.mark.parametrize("row", MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_fuel_roles(client, headers_as, entry, row, role):
    method, path, *codes = row
    expected = dict(zip(ROLES, codes, strict=True))[role]
    r = call(client, headers_as(role), method, path, entry)
    assert r.status_code == expected, (role, method, path, r.text)
