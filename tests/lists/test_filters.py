"""A list's filters are declared once (a `Filters` model, api/lists.py): the same declaration
gives the query parameters, the OpenAPI, the SQL of the page and of the CSV, and the range checks.
Adding a filter is one line: this test adds one to the trips."""

import csv
import io
from typing import Annotated

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from api.actor import OWN_DRIVER_ID
from api.lists import Eq, ListQuery
from api.trips import service
from api.trips.models import Trip
from api.trips.schemas import TripRead
from tests.conftest import auth


class TripsWithPurpose(service.TripFilters):
    purpose: Annotated[str | None, Eq(Trip.purpose)] = None  # the one line


def test_a_filter_added_in_one_line_filters_the_page_the_csv_and_shows_in_the_openapi(
    make, manager, session, database_url
):
    from api.main import create_app

    query = ListQuery(service.list_trips_query, TripsWithPurpose, TripRead)
    router = APIRouter()

    @router.get("/trips-by-purpose")
    async def trips(asked: query.Asked):
        return await asked.answer()

    app = create_app()
    app.include_router(router)
    vehicles = [make.vehicle() for _ in range(3)]
    for vehicle, purpose in zip(vehicles, ("delivery", "visit", "delivery"), strict=True):
        session.add(
            Trip(
                vehicle_id=vehicle.id,
                driver_id=make.driver().id,
                start_odometer_km=0,
                purpose=purpose,
            )
        )
    session.commit()
    with TestClient(app) as client:
        page = client.get("/trips-by-purpose?purpose=delivery").json()
        assert page["total"] == 2
        assert {item["vehicle_id"] for item in page["items"]} == {vehicles[0].id, vehicles[2].id}
        # the list's own filters still apply beside the new one
        one = client.get(f"/trips-by-purpose?purpose=delivery&vehicle_id={vehicles[2].id}").json()
        assert [item["vehicle_id"] for item in one["items"]] == [vehicles[2].id]
        exported = client.get("/trips-by-purpose?purpose=visit&format=csv").content
        rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
        assert [int(row["vehicle_id"]) for row in rows] == [vehicles[1].id]
        parameters = client.get("/openapi.json").json()["paths"]["/trips-by-purpose"]["get"]
        names = {parameter["name"] for parameter in parameters["parameters"]}
        assert {"purpose", "vehicle_id", "state", "started_from", "limit"} <= names


def test_a_range_that_ends_before_it_starts_is_a_422_naming_both_ends(client, admin):
    h = auth(admin)
    late, early = "2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z"
    for url, start, end in (
        ("/api/v1/trips", "started_from", "started_to"),
        ("/api/v1/photos", "taken_from", "taken_to"),
        ("/api/v1/fuel-entries", "filled_from", "filled_to"),
        ("/api/v1/audit", "from", "to"),
    ):
        response = client.get(f"{url}?{start}={late}&{end}={early}", headers=h)
        assert response.status_code == 422, (url, response.text)
        assert f"{start} must be before {end}" in response.text
        assert client.get(f"{url}?{start}={early}&{end}={late}", headers=h).status_code == 200


def test_filter_values_are_validated_as_query_parameters(client, admin):
    h = auth(admin)
    assert client.get("/api/v1/trips?vehicle_id=0", headers=h).status_code == 422
    assert client.get("/api/v1/trips?state=parked", headers=h).status_code == 422
    assert client.get(f"/api/v1/vehicles?{'&'.join(['id=1'] * 201)}", headers=h).status_code == 422
    assert client.get("/api/v1/vehicles?q=%00", headers=h).status_code == 422


def test_a_list_without_a_drivers_rule_refuses_own_rows_instead_of_showing_every_row():
    """`own_rows(actor)` limits a list only through its `visible=`: without one it would show a
    driver every row, so the list is refused when it is compiled."""
    query = ListQuery(service.list_trips_query, service.TripFilters, TripRead)
    with pytest.raises(TypeError, match="visible="):
        query.statements(frozenset({OWN_DRIVER_ID}))
    limited = ListQuery(
        service.list_trips_query, service.TripFilters, TripRead, visible=service.visible_to
    )
    assert f"%({OWN_DRIVER_ID})s" in limited.statements(frozenset({OWN_DRIVER_ID})).page
