"""Whatever a client sends to /vehicles, the answer is never a 500."""

import pytest

from tests.conftest import assert_never_500, auth

CREATE = {"plate": "NVR5A00", "make": "Fiat", "model": "Uno", "year": 2020, "odometer_km": 10}


@pytest.mark.parametrize("field", [*CREATE, "status"])
def test_bad_values_on_create_are_never_500(client, manager, field):
    assert_never_500(client, "POST", "/api/v1/vehicles", CREATE, field, auth(manager))


@pytest.mark.parametrize("field", [*CREATE, "status"])
def test_bad_values_on_update_are_never_500(client, manager, make, field):
    vehicle = make.vehicle()
    assert_never_500(client, "PATCH", f"/api/v1/vehicles/{vehicle.id}", {}, field, auth(manager))
