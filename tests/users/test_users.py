"""Users (admin): created with a real password, changed, deactivated, never deleted."""

import pytest

from tests.conftest import TEST_PASSWORD, auth

URL = "/api/v1/users"


def body(**fields) -> dict:
    return {
        "email": "New.Person@Example.com",
        "name": "New Person",
        "role": "driver",
        "password": "a long enough password",
        **fields,
    }


@pytest.fixture
def h(admin):
    return auth(admin)


def test_created_user_has_lower_case_email_and_no_password_in_the_answer(client, h):
    r = client.post(URL, json=body(), headers=h)
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["email"] == "new.person@example.com"
    assert user["is_active"] is True and user["must_change_password"] is False
    assert not {"password", "password_hash"} & set(user)


def test_created_user_can_log_in(client, h):
    client.post(URL, json=body(), headers=h)
    r = client.post(
        "/api/v1/auth/login",
        data={"username": "new.person@example.com", "password": "a long enough password"},
    )
    assert r.status_code == 200


def test_must_change_password_may_be_set_on_creation(client, h):
    r = client.post(URL, json=body(must_change_password=True), headers=h)
    assert r.json()["must_change_password"] is True


def test_duplicate_email_in_another_case_is_409(client, h):
    client.post(URL, json=body(), headers=h)
    r = client.post(URL, json=body(email="NEW.PERSON@example.com"), headers=h)
    assert r.status_code == 409
    assert "already exists" in r.json()["detail"]


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "a@",
        "@example.com",
        "a b@example.com",
        "",
        "a@b@example.com",
        "x" * 250 + "@example.com",
    ],
)
def test_email_that_is_not_one_is_422(client, h, email):
    r = client.post(URL, json=body(email=email), headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "email"


@pytest.mark.parametrize("password", ["short", "x" * 11, "x" * 129, "x" * 100_000])
def test_password_out_of_bounds_on_create_is_422(client, h, password):
    r = client.post(URL, json=body(password=password), headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "password"


def test_password_never_echoed_in_validation_errors(client, h):
    r = client.post(URL, json=body(password="x" * 129), headers=h)
    assert "x" * 129 not in r.text


@pytest.mark.parametrize(
    "fields",
    [
        {"role": "superuser"},
        {"name": ""},
        {"name": "A\x00"},
        {"is_admin": True},
        {"password": None},
    ],
    ids=["role", "empty-name", "nul", "unknown", "no-password"],
)
def test_bad_user_fields_are_422(client, h, fields):
    assert client.post(URL, json=body(**fields), headers=h).status_code == 422


def test_unknown_user_is_404(client, h):
    for method in ("GET", "PATCH"):
        r = client.request(method, f"{URL}/424242", headers=h, json={"name": "X"})
        assert r.status_code == 404
        assert "not found" in r.json()["detail"]


def test_users_are_never_hard_deleted(client, h, make):
    user = make.user("driver")
    assert client.delete(f"{URL}/{user.id}", headers=h).status_code == 405


def test_admin_deactivates_and_reactivates_a_user(client, h, make):
    user = make.user("manager")
    assert (
        client.patch(f"{URL}/{user.id}", json={"is_active": False}, headers=h).json()["is_active"]
        is False
    )
    assert client.get("/api/v1/auth/me", headers=auth(user)).status_code == 401
    assert (
        client.patch(f"{URL}/{user.id}", json={"is_active": True}, headers=h).json()["is_active"]
        is True
    )
    assert client.get("/api/v1/auth/me", headers=auth(user)).status_code == 200


def test_admin_cannot_deactivate_themself(client, admin):
    r = client.patch(f"{URL}/{admin.id}", json={"is_active": False}, headers=auth(admin))
    assert r.status_code == 422
    assert "your own account" in r.json()["detail"]


def test_admin_cannot_demote_themself(client, admin):
    r = client.patch(f"{URL}/{admin.id}", json={"role": "manager"}, headers=auth(admin))
    assert r.status_code == 422


def test_admin_reset_of_a_password_ends_the_users_tokens(client, h, make):
    user = make.user("manager")
    old = auth(user)
    r = client.patch(f"{URL}/{user.id}", json={"password": "reset by the admin"}, headers=h)
    assert r.status_code == 200
    assert client.get("/api/v1/auth/me", headers=old).status_code == 401
    login = client.post(
        "/api/v1/auth/login", data={"username": user.email, "password": "reset by the admin"}
    )
    assert login.status_code == 200


def test_admin_can_force_a_password_change(client, h, make):
    user = make.user("manager")
    client.patch(f"{URL}/{user.id}", json={"must_change_password": True}, headers=h)
    assert client.get("/api/v1/vehicles", headers=auth(user)).status_code == 403


def test_changing_the_email_is_not_allowed(client, h, make):
    user = make.user("manager")
    r = client.patch(f"{URL}/{user.id}", json={"email": "x@example.com"}, headers=h)
    assert r.status_code == 422


def test_short_password_on_update_is_422(client, h, make):
    user = make.user("manager")
    assert (
        client.patch(f"{URL}/{user.id}", json={"password": "short"}, headers=h).status_code == 422
    )
    assert (
        client.post(
            "/api/v1/auth/login", data={"username": user.email, "password": TEST_PASSWORD}
        ).status_code
        == 200
    )


def test_list_users_filters_by_role_and_active(client, h, make):
    active = make.user("driver")
    make.user("driver", is_active=False)
    make.user("manager")
    r = client.get(f"{URL}?role=driver&is_active=true", headers=h)
    assert [u["id"] for u in r.json()["items"]] == [active.id]


def test_list_users_with_an_unknown_role_is_422(client, h):
    assert client.get(f"{URL}?role=king", headers=h).status_code == 422
