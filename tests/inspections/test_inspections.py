"""Inspections open defects; an unresolved critical defect grounds the vehicle and blocks its
check-out; a service record resolves it; a manager puts the vehicle back on the road."""

import pytest
from sqlalchemy import text

from tests.conftest import assert_never_500, auth

TEMPLATES, INSPECTIONS, DEFECTS = (
    "/api/v1/inspection-templates",
    "/api/v1/inspections",
    "/api/v1/defects",
)
WALKAROUND = [
    {"key": "tyres", "label": "Pneus calibrados e sem bolhas", "critical": True},
    {"key": "lights", "label": "Faróis e setas", "critical": True},
    {"key": "documents", "label": "CRLV no veículo"},
]


@pytest.fixture
def h(manager):
    return auth(manager)


@pytest.fixture
def template(client, h):
    r = client.post(TEMPLATES, json={"name": "Volta no veículo", "items": WALKAROUND}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def results(**failed):
    return [
        {
            "key": item["key"],
            "result": "fail" if item["key"] in failed else "pass",
            "note": failed.get(item["key"]),
        }
        for item in WALKAROUND
    ]


def inspect(client, user, vehicle, template, phase="check_out", **failed):
    return client.post(
        INSPECTIONS,
        json={
            "vehicle_id": vehicle.id,
            "template_id": template["id"],
            "phase": phase,
            "odometer_km": vehicle.odometer_km,
            "results": results(**failed),
        },
        headers=auth(user),
    )


def check_out(client, user, vehicle):
    return client.post(
        "/api/v1/trips",
        json={"vehicle_id": vehicle.id, "start_odometer_km": vehicle.odometer_km},
        headers=auth(user),
    )


def test_a_failed_critical_item_grounds_the_vehicle_until_a_service_fixes_it(
    client, h, make, template
):
    user, driver = make.driver_login()
    car = make.vehicle(odometer_km=5_000)
    r = inspect(client, user, car, template, tyres="bolha no pneu dianteiro", documents="sem CRLV")
    assert r.status_code == 201, r.text
    inspection = r.json()
    assert inspection["driver_id"] == driver.id and len(inspection["defect_ids"]) == 2
    defects = {
        d["item_key"]: d
        for d in client.get(f"{DEFECTS}?vehicle_id={car.id}", headers=h).json()["items"]
    }
    tyres = defects["tyres"]
    assert tyres["severity"] == "critical" and tyres["status"] == "open"
    assert tyres["description"] == "Pneus calibrados e sem bolhas: bolha no pneu dianteiro"
    assert defects["documents"]["severity"] == "minor"
    assert client.get(f"/api/v1/vehicles/{car.id}", headers=h).json()["status"] == "maintenance"
    # The check-out is refused, naming the defect.
    refused = check_out(client, user, car)
    assert refused.status_code == 409
    assert f"#{tyres['id']}" in refused.json()["detail"] and "bolha" in refused.json()["detail"]
    # Nor can a manager put it back on the road while the defect is open.
    back = client.patch(f"/api/v1/vehicles/{car.id}", json={"status": "available"}, headers=h)
    assert back.status_code == 409 and "critical defect" in back.json()["detail"]
    # A service record resolves it...
    record = client.post(
        "/api/v1/service-records",
        json={
            "vehicle_id": car.id,
            "odometer_km": 5_010,
            "kind": "tires",
            "labor_cost": 90,
            "resolves_defect_ids": [tyres["id"]],
        },
        headers=h,
    )
    assert record.status_code == 201, record.text
    fixed = client.get(f"{DEFECTS}/{tyres['id']}", headers=h).json()
    assert fixed["status"] == "resolved"
    assert fixed["resolved_by_service_record_id"] == record.json()["id"]
    again = client.post(
        "/api/v1/service-records",
        json={
            "vehicle_id": car.id,
            "odometer_km": 5_010,
            "kind": "tires",
            "resolves_defect_ids": [tyres["id"]],
        },
        headers=h,
    )
    assert again.status_code == 409 and "already resolved" in again.json()["detail"]
    # ...and the manager says the vehicle is available: it can be checked out again.
    assert client.get(f"/api/v1/vehicles/{car.id}", headers=h).json()["status"] == "maintenance"
    back = client.patch(f"/api/v1/vehicles/{car.id}", json={"status": "available"}, headers=h)
    assert back.status_code == 200, back.text
    car.odometer_km = 5_010
    assert check_out(client, user, car).status_code == 201


def test_a_required_inspection_is_asked_for_at_check_out(client, h, make):
    r = client.post(
        TEMPLATES,
        json={"name": "Antes de sair", "items": WALKAROUND, "required_at_check_out": True},
        headers=h,
    )
    template = r.json()
    user, _ = make.driver_login()
    car = make.vehicle(odometer_km=100)
    refused = check_out(client, user, car)
    assert refused.status_code == 409 and "'Antes de sair'" in refused.json()["detail"]
    assert inspect(client, user, car, template, phase="periodic").status_code == 201
    assert check_out(client, user, car).status_code == 409  # a periodic one is not a check-out's
    assert inspect(client, user, car, template).status_code == 201
    assert check_out(client, user, car).status_code == 201


def test_a_defect_found_on_a_trip_grounds_the_vehicle_when_it_comes_back(client, h, make, template):
    user, _ = make.driver_login()
    car = make.vehicle(odometer_km=100)
    trip = check_out(client, user, car).json()
    r = inspect(client, user, car, template, phase="check_in", lights="seta quebrada")
    assert r.status_code == 201 and r.json()["trip_id"] == trip["id"]
    assert client.get(f"/api/v1/vehicles/{car.id}", headers=h).json()["status"] == "in_use"
    done = client.post(
        f"/api/v1/trips/{trip['id']}/finish", json={"end_odometer_km": 150}, headers=auth(user)
    )
    assert done.status_code == 200
    assert client.get(f"/api/v1/vehicles/{car.id}", headers=h).json()["status"] == "maintenance"


def test_a_defect_reported_by_hand(client, h, make):
    user, _ = make.driver_login()
    car = make.vehicle()
    r = client.post(
        DEFECTS,
        json={"vehicle_id": car.id, "description": "Freio fazendo barulho", "severity": "critical"},
        headers=auth(user),
    )
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/vehicles/{car.id}", headers=h).json()["status"] == "maintenance"
    assert (
        client.patch(
            f"{DEFECTS}/{r.json()['id']}", json={"status": "dismissed"}, headers=auth(user)
        ).status_code
        == 403
    )
    dismissed = client.patch(f"{DEFECTS}/{r.json()['id']}", json={"status": "dismissed"}, headers=h)
    assert dismissed.json()["status"] == "dismissed"
    unresolved = client.get(f"{DEFECTS}?unresolved=true", headers=h).json()
    assert unresolved["total"] == 0


def test_an_inspection_covers_every_item_once_and_is_immutable(client, h, make, template, engine):
    user, _ = make.driver_login()
    car = make.vehicle(odometer_km=100)
    partial = client.post(
        INSPECTIONS,
        json={
            "vehicle_id": car.id,
            "template_id": template["id"],
            "phase": "periodic",
            "odometer_km": 100,
            "results": [{"key": "tyres", "result": "pass"}, {"key": "horn", "result": "pass"}],
        },
        headers=auth(user),
    )
    assert partial.status_code == 422
    assert "missing: lights, documents" in partial.json()["detail"]
    assert "not in the template: horn" in partial.json()["detail"]
    low = client.post(
        INSPECTIONS,
        json={
            "vehicle_id": car.id,
            "template_id": template["id"],
            "phase": "periodic",
            "odometer_km": 99,
            "results": results(),
        },
        headers=auth(user),
    )
    assert low.status_code == 422 and "below" in low.json()["detail"]
    made = inspect(client, user, car, template, phase="periodic").json()
    assert client.patch(f"{INSPECTIONS}/{made['id']}", json={}, headers=h).status_code == 405
    with engine.connect() as connection, pytest.raises(Exception, match="append-only"):
        connection.execute(
            text("UPDATE inspections SET odometer_km = 0 WHERE id = :id"), {"id": made["id"]}
        )
    # Drivers see their own inspections only.
    other, _ = make.driver_login()
    assert client.get(f"{INSPECTIONS}/{made['id']}", headers=auth(other)).status_code == 404
    assert client.get(INSPECTIONS, headers=auth(other)).json()["total"] == 0
    assert client.get(INSPECTIONS, headers=auth(user)).json()["total"] == 1


@pytest.mark.parametrize(
    ("items", "detail"),
    [
        ([], "at least 1"),
        ([{"key": "a", "label": "A"}, {"key": "a", "label": "B"}], "unique"),
        ([{"key": "Bad Key", "label": "A"}], "pattern"),
    ],
)
def test_bad_templates_are_422(client, h, items, detail):
    r = client.post(TEMPLATES, json={"name": "x", "items": items}, headers=h)
    assert r.status_code == 422 and detail in str(r.json())


def test_a_template_name_is_unique(client, h, template):
    r = client.post(TEMPLATES, json={"name": "Volta no veículo", "items": WALKAROUND}, headers=h)
    assert r.status_code == 409


def test_bad_input_is_4xx_with_a_detail(client, h, make, template):
    car = make.vehicle(odometer_km=10)
    body = {
        "vehicle_id": car.id,
        "template_id": template["id"],
        "phase": "periodic",
        "odometer_km": 10,
        "results": results(),
    }
    for field in ("vehicle_id", "template_id", "phase", "odometer_km", "results", "driver_id"):
        assert_never_500(client, "POST", INSPECTIONS, body, field, h)
    body = {"vehicle_id": car.id, "description": "x", "severity": "minor"}
    for field in ("vehicle_id", "description", "severity"):
        assert_never_500(client, "POST", DEFECTS, body, field, h)
    defect = client.post(DEFECTS, json=body, headers=h).json()
    for field in ("status", "severity", "description"):
        assert_never_500(client, "PATCH", f"{DEFECTS}/{defect['id']}", {}, field, h)


@pytest.mark.usefixtures("upload_dir")
def test_before_a_check_out_a_driver_photographs_an_available_vehicles_damage(client, make):
    """The inspection's photo of a failed item, before the driver has a trip."""
    from tests.photos.conftest import sideways_jpeg, upload

    user, _ = make.driver_login()
    free = make.vehicle()
    busy = make.vehicle(status="in_use")
    damage = upload(client, user, sideways_jpeg(size=(400, 300)), vehicle_id=free.id)
    assert damage.status_code == 201, damage.text
    assert damage.json()["trip_id"] is None
    receipt = upload(
        client,
        user,
        sideways_jpeg(size=(400, 300), seed=2),
        vehicle_id=free.id,
        kind="fuel_receipt",
    )
    assert receipt.status_code == 403
    theirs = upload(client, user, sideways_jpeg(size=(400, 300), seed=3), vehicle_id=busy.id)
    assert theirs.status_code == 403
