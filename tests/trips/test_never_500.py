"""Whatever a client sends to /trips, the answer is never a 500."""

import pytest

from tests.conftest import assert_never_500, auth


@pytest.mark.parametrize(
    "field", ["vehicle_id", "driver_id", "start_odometer_km", "purpose", "confirm"]
)
def test_bad_values_on_check_out_are_never_500(client, manager, make, field):
    body = {"vehicle_id": make.vehicle().id, "driver_id": make.driver().id, "start_odometer_km": 0}
    assert_never_500(client, "POST", "/api/v1/trips", body, field, auth(manager))


@pytest.mark.parametrize("field", ["end_odometer_km", "notes", "confirm"])
def test_bad_values_on_check_in_are_never_500(client, manager, make, field, session):
    from api.trips.models import Trip

    trip = Trip(
        vehicle_id=make.vehicle(status="in_use").id, driver_id=make.driver().id, start_odometer_km=0
    )
    session.add(trip)
    session.flush()
    body = {"end_odometer_km": 10}
    assert_never_500(client, "POST", f"/api/v1/trips/{trip.id}/finish", body, field, auth(manager))
