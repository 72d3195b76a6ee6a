"""Documents: whose they are, their expiry status, and bad input."""

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.conftest import assert_never_500, auth

URL = "/api/v1/documents"


def local_today() -> date:
    return datetime.now(timezone(timedelta(hours=-3))).date()


@pytest.fixture
def h(manager):
    return auth(manager)


def test_a_vehicles_documents_with_their_status(client, h, make):
    car = make.vehicle()
    today = local_today()
    made = {}
    for kind, days in (("insurance", 200), ("ipva", 10), ("other", -1)):
        r = client.post(
            URL,
            json={
                "vehicle_id": car.id,
                "kind": kind,
                "number": f"N-{kind}",
                "expires_on": (today + timedelta(days=days)).isoformat(),
                "amount": 1234.5,
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        made[kind] = r.json()
    assert [made[k]["status"] for k in ("insurance", "ipva", "other")] == [
        "valid",
        "due_soon",
        "expired",
    ]
    listed = client.get(f"{URL}?vehicle_id={car.id}", headers=h).json()["items"]
    assert [d["kind"] for d in listed] == ["other", "ipva", "insurance"]  # soonest expiry first
    expired = client.get(f"{URL}?status=expired", headers=h).json()["items"]
    assert [d["id"] for d in expired] == [made["other"]["id"]]
    renewed = client.patch(
        f"{URL}/{made['other']['id']}",
        json={"expires_on": (today + timedelta(days=365)).isoformat()},
        headers=h,
    )
    assert renewed.json()["status"] == "valid"
    assert client.delete(f"{URL}/{made['ipva']['id']}", headers=h).status_code == 204
    assert client.get(f"{URL}/{made['ipva']['id']}", headers=h).status_code == 404


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"kind": "insurance"}, "vehicle's (vehicle_id) or a driver's"),
        ({"kind": "toxicology", "vehicle_id": 0}, "driver's document"),
        ({"kind": "crlv", "driver_id": 0}, "vehicle's"),
        ({"kind": "crlv", "vehicle_id": 0}, "needs issued_on"),
        (
            {
                "kind": "other",
                "vehicle_id": 0,
                "issued_on": "2026-02-01",
                "expires_on": "2026-01-01",
            },
            "before issued_on",
        ),
        ({"kind": "other", "vehicle_id": 999999}, "does not exist"),
        ({"kind": "other", "vehicle_id": 0, "photo_ids": [999999]}, "no such photo"),
    ],
)
def test_bad_documents_are_422(client, h, make, body, detail):
    car, driver = make.vehicle(), make.driver()
    body = {
        k: (car.id if k == "vehicle_id" and v == 0 else driver.id if k == "driver_id" else v)
        for k, v in body.items()
    }
    r = client.post(URL, json=body, headers=h)
    assert r.status_code == 422, r.text
    assert detail in str(r.json()["detail"]) + str(r.json().get("message"))


def test_bad_input_is_4xx_with_a_detail(client, h, make):
    car = make.vehicle()
    body = {"vehicle_id": car.id, "kind": "insurance", "expires_on": "2030-01-01"}
    for field in (
        "vehicle_id",
        "driver_id",
        "kind",
        "number",
        "issued_on",
        "expires_on",
        "amount",
        "photo_ids",
        "notes",
    ):
        assert_never_500(client, "POST", URL, body, field, h)
    document = client.post(URL, json=body, headers=h).json()
    for field in ("expires_on", "issued_on", "amount", "photo_ids", "number"):
        assert_never_500(client, "PATCH", f"{URL}/{document['id']}", {}, field, h)
