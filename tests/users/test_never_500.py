"""Whatever an admin sends to /users, the answer is never a 500."""

import pytest

from tests.conftest import assert_never_500, auth

CREATE = {
    "email": "never500@example.com",
    "name": "N",
    "role": "driver",
    "password": "a long enough password",
    "must_change_password": False,
}


@pytest.mark.parametrize("field", CREATE)
def test_bad_values_on_create_are_never_500(client, admin, field):
    assert_never_500(client, "POST", "/api/v1/users", CREATE, field, auth(admin))


@pytest.mark.parametrize("field", ["name", "role", "is_active", "password", "must_change_password"])
def test_bad_values_on_update_are_never_500(client, admin, make, field):
    user = make.user("driver")
    assert_never_500(client, "PATCH", f"/api/v1/users/{user.id}", {}, field, auth(admin))
