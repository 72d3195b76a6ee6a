"""Whatever a client sends to /auth, the answer is never a 500."""

import pytest

from tests.conftest import TEST_PASSWORD, assert_never_500, auth


@pytest.mark.parametrize("field", ["current_password", "new_password"])
def test_bad_values_on_password_change_are_never_500(client, manager, field):
    body = {"current_password": TEST_PASSWORD, "new_password": "a different passphrase"}
    assert_never_500(client, "POST", "/api/v1/auth/password", body, field, auth(manager))


# Form fields are text; each attempt costs an argon2 verification, so only distinct shapes.
FORM_VALUES = ["", " ", "x" * 10_000, "\x00", "💥", "'; DROP TABLE users; --", "%", "None"]


@pytest.mark.parametrize("field", ["username", "password"])
def test_bad_values_on_login_are_never_500(client, manager, field):
    for value in FORM_VALUES:
        form = {"username": manager.email, "password": TEST_PASSWORD, field: value}
        r = client.post("/api/v1/auth/login", data=form)
        assert r.status_code < 500, (value, r.text)
        assert r.status_code == 200 or r.json()["detail"]
