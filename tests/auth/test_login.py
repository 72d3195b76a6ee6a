"""POST /auth/login and GET /auth/me."""

import pytest

from tests.conftest import TEST_PASSWORD, auth

LOGIN = "/api/v1/auth/login"


def login(client, username, password):
    return client.post(LOGIN, data={"username": username, "password": password})


def test_login_returns_a_bearer_token_valid_for_24_hours(client, manager):
    r = login(client, manager.email, TEST_PASSWORD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 24 * 3600
    assert body["must_change_password"] is False
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == manager.email


def test_login_email_is_case_insensitive(client, manager):
    assert login(client, manager.email.upper(), TEST_PASSWORD).status_code == 200


def test_wrong_password_is_401_with_the_same_detail_as_an_unknown_email(client, manager):
    wrong = login(client, manager.email, "not the password at all")
    unknown = login(client, "nobody@example.com", TEST_PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Incorrect e-mail or password"


def test_deactivated_user_cannot_log_in(client, make):
    user = make.user("manager", is_active=False)
    r = login(client, user.email, TEST_PASSWORD)
    assert r.status_code == 403
    assert "deactivated" in r.json()["detail"]


def test_over_long_password_at_login_is_422_without_hashing(client, manager):
    r = login(client, manager.email, "x" * 10_000)
    assert r.status_code == 422
    assert "too long" in r.json()["detail"]


def test_over_long_email_at_login_is_422(client):
    r = login(client, "a" * 300 + "@example.com", TEST_PASSWORD)
    assert r.status_code == 422
    assert "too long" in r.json()["detail"]


def test_nul_in_login_email_is_422_not_500(client):
    r = login(client, "a\x00b@example.com", TEST_PASSWORD)
    assert r.status_code == 422
    assert "NUL" in r.json()["detail"]


@pytest.mark.parametrize(
    "form",
    [{}, {"username": "a@example.com"}, {"password": "whatever password"}],
    ids=["empty", "no-password", "no-username"],
)
def test_login_with_missing_fields_is_422(client, form):
    r = client.post(LOGIN, data=form)
    assert r.status_code == 422
    assert r.json()["detail"]


def test_login_as_json_instead_of_a_form_is_422(client, manager):
    r = client.post(LOGIN, json={"username": manager.email, "password": TEST_PASSWORD})
    assert r.status_code == 422


def test_me_carries_the_linked_driver_id(client, make):
    user, driver = make.driver_login()
    body = client.get("/api/v1/auth/me", headers=auth(user)).json()
    assert body["role"] == "driver"
    assert body["driver_id"] == driver.id
    assert set(body) >= {"id", "email", "name", "role", "is_active"}


def test_me_without_a_token_is_401_with_www_authenticate(client):
    r = client.get("/api/v1/auth/me")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert "Not authenticated" in r.json()["detail"]
