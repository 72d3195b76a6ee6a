"""POST /auth/password: the only way out of must-change, and the end of older tokens."""

import pytest

from tests.conftest import TEST_PASSWORD, auth

PASSWORD = "/api/v1/auth/password"
ME = "/api/v1/auth/me"
NEW_PASSWORD = "a brand new passphrase"


def change(client, headers, current=TEST_PASSWORD, new=NEW_PASSWORD):
    return client.post(
        PASSWORD, json={"current_password": current, "new_password": new}, headers=headers
    )


def test_password_change_returns_a_working_token(client, manager):
    r = change(client, auth(manager))
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_old_token_stops_working_after_password_change(client, manager):
    old = auth(manager)
    assert change(client, old).status_code == 200
    r = client.get(ME, headers=old)
    assert r.status_code == 401
    assert "password change" in r.json()["detail"]


def test_login_uses_the_new_password_after_a_change(client, manager):
    change(client, auth(manager))
    login = "/api/v1/auth/login"
    old = client.post(login, data={"username": manager.email, "password": TEST_PASSWORD})
    assert old.status_code == 401
    new = client.post(login, data={"username": manager.email, "password": NEW_PASSWORD})
    assert new.status_code == 200


def test_wrong_current_password_is_422(client, manager):
    r = change(client, auth(manager), current="not my password")
    assert r.status_code == 422
    assert "Current password is incorrect" in r.json()["detail"]


def test_new_password_equal_to_current_is_422(client, manager):
    r = change(client, auth(manager), new=TEST_PASSWORD)
    assert r.status_code == 422
    assert "differ" in r.json()["detail"]


@pytest.mark.parametrize("new", ["short", "x" * 129], ids=["too-short", "too-long"])
def test_new_password_out_of_bounds_is_422(client, manager, new):
    r = change(client, auth(manager), new=new)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "new_password"


def test_over_long_current_password_is_422(client, manager):
    r = change(client, auth(manager), current="x" * 10_000)
    assert r.status_code == 422


def test_password_change_without_a_token_is_401(client):
    assert change(client, {}).status_code == 401


def test_password_change_with_unknown_fields_is_422(client, manager):
    r = client.post(
        PASSWORD,
        json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "role": "admin"},
        headers=auth(manager),
    )
    assert r.status_code == 422
