"""One role matrix for the second wave's endpoints: what admin, manager, driver and anonymous
get from each (the first wave's areas have theirs in their folders)."""

import pytest

ROLES = ("admin", "manager", "driver", "anonymous")


def _vehicle(make):
    return make.vehicle(odometer_km=100)


def _template(make):
    from api.inspections.models import InspectionTemplate

    return make._save(
        InspectionTemplate(
            name="Matrix", items=[{"key": "tyres", "label": "Pneus", "critical": False}]
        )
    )


def _defect(make):
    from api.inspections.models import Defect

    return make._save(Defect(vehicle_id=_vehicle(make).id, description="Risco", severity="minor"))


CSV = "plate,occurred_at,amount\nMAT1R23,2026-11-01T10:00:00Z,10\n"

# (method, path, body builder or None, expected for admin, manager, driver, anonymous)
MATRIX = [
    ("GET", "/fuel-entries", None, 200, 200, 200, 401),
    ("GET", "/service-records", None, 200, 200, 403, 401),
    (
        "POST",
        "/service-records",
        lambda m: {"vehicle_id": _vehicle(m).id, "odometer_km": 100, "kind": "other"},
        201,
        201,
        403,
        401,
    ),
    ("GET", "/reminders", None, 200, 200, 403, 401),
    (
        "POST",
        "/reminders",
        lambda m: {"vehicle_id": _vehicle(m).id, "title": "Óleo", "every_km": 5000},
        201,
        201,
        403,
        401,
    ),
    ("GET", "/documents", None, 200, 200, 403, 401),
    (
        "POST",
        "/documents",
        lambda m: {"vehicle_id": _vehicle(m).id, "kind": "ipva", "expires_on": "2030-01-31"},
        201,
        201,
        403,
        401,
    ),
    ("GET", "/due", None, 200, 200, 403, 401),
    ("POST", "/due/feed-token", None, 200, 200, 403, 401),
    ("GET", "/reports/costs", None, 200, 200, 403, 401),
    ("GET", "/inspection-templates", None, 200, 200, 200, 401),
    (
        "POST",
        "/inspection-templates",
        lambda m: {"name": "Nova", "items": [{"key": "a", "label": "A"}]},
        201,
        201,
        403,
        401,
    ),
    ("GET", "/inspections", None, 200, 200, 200, 401),
    (
        "POST",
        "/inspections",
        lambda m: {
            "vehicle_id": _vehicle(m).id,
            "template_id": _template(m).id,
            "phase": "periodic",
            "odometer_km": 100,
            "results": [{"key": "tyres", "result": "pass"}],
        },
        201,
        201,
        201,
        401,
    ),
    ("GET", "/defects", None, 200, 200, 200, 401),
    (
        "POST",
        "/defects",
        lambda m: {"vehicle_id": _vehicle(m).id, "description": "Risco na porta"},
        201,
        201,
        201,
        401,
    ),
    ("PATCH", "/defects/{defect}", lambda m: {"status": "in_repair"}, 200, 200, 403, 401),
    ("GET", "/fines", None, 200, 200, 200, 401),
    (
        "POST",
        "/fines",
        lambda m: {
            "vehicle_id": _vehicle(m).id,
            "occurred_at": "2026-11-01T10:00:00Z",
            "amount": 88.38,
        },
        201,
        201,
        403,
        401,
    ),
    ("POST", "/fines/import", "csv", 200, 200, 403, 401),
    ("GET", "/audit", None, 200, 403, 403, 401),
]


@pytest.mark.parametrize("row", MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, make, headers_as, row, role):
    method, path, body, *codes = row
    expected = dict(zip(ROLES, codes, strict=True))[role]
    headers = headers_as(role)
    if "{defect}" in path:
        path = path.format(defect=_defect(make).id)
    url = "/api/v1" + path
    if body == "csv":
        make.vehicle(plate="MAT1R23")
        response = client.post(url, headers=headers, files={"file": ("f.csv", CSV.encode())})
    else:
        json = body(make) if callable(body) else None
        response = client.request(method, url, headers=headers, json=json)
    assert response.status_code == expected, (role, method, path, response.text)
