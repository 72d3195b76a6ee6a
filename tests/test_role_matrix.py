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


def _record(make):
    from api.maintenance.models import ServiceRecord

    return make._save(
        ServiceRecord(
            vehicle_id=_vehicle(make).id,
            performed_at="2026-11-01T10:00:00Z",
            odometer_km=100,
            kind="other",
            items=[],
            labor_cost=0,
            total_cost=0,
            photo_ids=[],
            completes_reminder_ids=[],
            resolves_defect_ids=[],
        )
    )


def _reminder(make):
    from api.maintenance.models import Reminder

    return make._save(
        Reminder(vehicle_id=_vehicle(make).id, title="Óleo", every_km=5000, last_done_km=100)
    )


def _document(make):
    from api.documents.models import Document

    return make._save(
        Document(vehicle_id=_vehicle(make).id, kind="ipva", expires_on="2030-01-31", photo_ids=[])
    )


def _inspection(make):
    """Someone else's: a driver asking for it gets a 404."""
    from api.inspections.models import Inspection

    template = _template(make)
    return make._save(
        Inspection(
            vehicle_id=_vehicle(make).id,
            template_id=template.id,
            phase="periodic",
            odometer_km=100,
            results=[{"key": "tyres", "result": "pass"}],
        )
    )


def _fine(make):
    from api.fines.models import Fine

    return make._save(
        Fine(
            vehicle_id=_vehicle(make).id,
            occurred_at="2026-11-01T10:00:00Z",
            amount=10,
            identification="no_trip",
            candidate_driver_ids=[],
        )
    )


def _webhook(make):
    from api.webhooks.models import WebhookEndpoint
    from api.webhooks.service import new_secret

    return make._save(
        WebhookEndpoint(url=PUBLIC_URL, events=["defect.opened"], secret=new_secret())
    )


PUBLIC_URL = "https://93.184.215.14/hook"  # public: the SSRF guard lets it be saved

ROWS = {
    "record": _record,
    "reminder": _reminder,
    "document": _document,
    "template": _template,
    "inspection": _inspection,
    "defect": _defect,
    "fine": _fine,
    "webhook": _webhook,
}

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
    ("GET", "/service-records/{record}", None, 200, 200, 403, 401),
    ("PATCH", "/service-records/{record}", lambda m: {"vendor": "Oficina"}, 200, 200, 403, 401),
    ("DELETE", "/service-records/{record}", None, 204, 204, 403, 401),
    ("GET", "/reminders/{reminder}", None, 200, 200, 403, 401),
    ("PATCH", "/reminders/{reminder}", lambda m: {"title": "Filtro"}, 200, 200, 403, 401),
    ("DELETE", "/reminders/{reminder}", None, 204, 204, 403, 401),
    ("GET", "/documents/{document}", None, 200, 200, 403, 401),
    ("PATCH", "/documents/{document}", lambda m: {"number": "123"}, 200, 200, 403, 401),
    ("DELETE", "/documents/{document}", None, 204, 204, 403, 401),
    ("DELETE", "/due/feed-token", None, 204, 204, 403, 401),
    ("GET", "/inspection-templates/{template}", None, 200, 200, 200, 401),
    ("GET", "/inspections/{inspection}", None, 200, 200, 404, 401),
    ("GET", "/defects/{defect}", None, 200, 200, 200, 401),
    ("GET", "/fines/{fine}", None, 200, 200, 404, 401),
    ("PATCH", "/fines/{fine}", lambda m: {"status": "contested"}, 200, 200, 403, 401),
    ("GET", "/webhooks", None, 200, 403, 403, 401),
    (
        "POST",
        "/webhooks",
        lambda m: {"url": PUBLIC_URL, "events": ["defect.opened"]},
        201,
        403,
        403,
        401,
    ),
    ("GET", "/webhooks/{webhook}", None, 200, 403, 403, 401),
    ("PATCH", "/webhooks/{webhook}", lambda m: {"description": "ERP"}, 200, 403, 403, 401),
    ("DELETE", "/webhooks/{webhook}", None, 204, 403, 403, 401),
    ("POST", "/webhooks/{webhook}/rotate-secret", None, 200, 403, 403, 401),
    ("POST", "/webhooks/{webhook}/test", None, 202, 403, 403, 401),
    ("GET", "/webhooks/{webhook}/deliveries", None, 200, 403, 403, 401),
]


@pytest.mark.parametrize("row", MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, make, headers_as, row, role):
    method, path, body, *codes = row
    expected = dict(zip(ROLES, codes, strict=True))[role]
    headers = headers_as(role)
    for name, build in ROWS.items():
        if "{" + name + "}" in path:
            path = path.replace("{" + name + "}", str(build(make).id))
    url = "/api/v1" + path
    if body == "csv":
        make.vehicle(plate="MAT1R23")
        response = client.post(url, headers=headers, files={"file": ("f.csv", CSV.encode())})
    else:
        json = body(make) if callable(body) else None
        response = client.request(method, url, headers=headers, json=json)
    assert response.status_code == expected, (role, method, path, response.text)
