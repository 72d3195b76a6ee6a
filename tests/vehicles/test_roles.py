"""Role matrix for /vehicles: everyone logged in reads; admin and manager write."""

import pytest

ROLES = ["admin", "manager", "driver", "anonymous"]
READ = {"admin": 200, "manager": 200, "driver": 200, "anonymous": 401}


def write(status: int) -> dict:
    return {"admin": status, "manager": status, "driver": 403, "anonymous": 401}


CASES = [
    ("GET", "/api/v1/vehicles", None, READ),
    ("GET", "/api/v1/vehicles/{id}", None, READ),
    (
        "POST",
        "/api/v1/vehicles",
        {"plate": "ROL1E23", "make": "VW", "model": "Gol", "year": 2021},
        write(201),
    ),
    ("PATCH", "/api/v1/vehicles/{id}", {"odometer_km": 10}, write(200)),
    ("DELETE", "/api/v1/vehicles/{id}", None, write(204)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "body", "expected"), CASES, ids=[f"{m} {u}" for m, u, _, _ in CASES]
)
def test_vehicles_endpoints_by_role(client, make, headers_as, role, method, url, body, expected):
    vehicle = make.vehicle()
    r = client.request(method, url.format(id=vehicle.id), headers=headers_as(role), json=body)
    assert r.status_code == expected[role], r.text
    if r.status_code >= 400:
        assert r.json()["detail"]
