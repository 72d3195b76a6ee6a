"""Role matrix for /auth: every role may see itself and change its password; anonymous may not."""

import pytest

from tests.conftest import TEST_PASSWORD

ROLES = ["admin", "manager", "driver", "anonymous"]


@pytest.mark.parametrize(("role", "expected"), zip(ROLES, [200, 200, 200, 401], strict=True))
def test_get_me_by_role(client, headers_as, role, expected):
    assert client.get("/api/v1/auth/me", headers=headers_as(role)).status_code == expected


@pytest.mark.parametrize(("role", "expected"), zip(ROLES, [200, 200, 200, 401], strict=True))
def test_change_password_by_role(client, headers_as, role, expected):
    r = client.post(
        "/api/v1/auth/password",
        headers=headers_as(role),
        json={"current_password": TEST_PASSWORD, "new_password": "another passphrase"},
    )
    assert r.status_code == expected, r.text


@pytest.mark.parametrize("role", ["admin", "manager", "driver"])
def test_login_by_role(client, make, role):
    user = make.user(role)
    r = client.post("/api/v1/auth/login", data={"username": user.email, "password": TEST_PASSWORD})
    assert r.status_code == 200
