"""Role matrix for /drivers: admin and manager only (licences are personal data)."""

import pytest

ROLES = ["admin", "manager", "driver", "anonymous"]


def fleet(status: int) -> dict:
    return {"admin": status, "manager": status, "driver": 403, "anonymous": 401}


CASES = [
    ("GET", "/api/v1/drivers", None, 200),
    ("GET", "/api/v1/drivers/{id}", None, 200),
    (
        "POST",
        "/api/v1/drivers",
        {
            "name": "Ana",
            "license_number": "98765432100",
            "license_category": "B",
            "license_expiry": "2030-01-01",
        },
        201,
    ),
    ("PATCH", "/api/v1/drivers/{id}", {"name": "Renamed"}, 200),
    ("DELETE", "/api/v1/drivers/{id}", None, 204),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "body", "allowed"), CASES, ids=[f"{m} {u}" for m, u, _, _ in CASES]
)
def test_drivers_endpoints_by_role(client, make, headers_as, role, method, url, body, allowed):
    driver = make.driver()
    r = client.request(method, url.format(id=driver.id), headers=headers_as(role), json=body)
    assert r.status_code == fleet(allowed)[role], r.text
    if r.status_code >= 400:
        assert r.json()["detail"]
