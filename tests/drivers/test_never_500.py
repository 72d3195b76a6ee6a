"""Whatever a client sends to /drivers, the answer is never a 500."""

import pytest

from tests.conftest import assert_never_500, auth

CREATE = {
    "name": "Ana",
    "license_number": "55544433322",
    "license_category": "B",
    "license_expiry": "2030-01-01",
    "user_id": None,
}


@pytest.mark.parametrize("field", CREATE)
def test_bad_values_on_create_are_never_500(client, manager, field):
    assert_never_500(client, "POST", "/api/v1/drivers", CREATE, field, auth(manager))


@pytest.mark.parametrize("field", [*CREATE, "is_active"])
def test_bad_values_on_update_are_never_500(client, manager, make, field):
    driver = make.driver()
    assert_never_500(client, "PATCH", f"/api/v1/drivers/{driver.id}", {}, field, auth(manager))
