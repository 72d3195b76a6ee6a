"""The first admin: from ADMIN_EMAIL/ADMIN_PASSWORD, or generated and flagged must-change."""

import pytest
from sqlalchemy import select

from api.auth.service import bootstrap_admin
from api.config import Settings
from api.users.models import User
from tests.conftest import auth

LOGIN = "/api/v1/auth/login"


def settings(**values) -> Settings:
    return Settings(_env_file=None, secret_key="k" * 40, **values)


def login(client, email, password):
    r = client.post(LOGIN, data={"username": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def test_bootstrap_uses_admin_email_and_password(client, session):
    generated = bootstrap_admin(
        session=session,
        settings=settings(admin_email="Boss@Example.com", admin_password="a long admin password"),
    )
    assert generated is None
    admin = session.execute(select(User).where(User.email == "boss@example.com")).scalar_one()
    assert admin.role == "admin" and not admin.must_change_password
    token = login(client, "boss@example.com", "a long admin password")
    assert token["must_change_password"] is False
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200


def test_bootstrap_without_admin_password_generates_one_flagged_must_change(session):
    generated = bootstrap_admin(session=session, settings=settings(admin_email="ops@example.com"))
    assert generated and len(generated) >= 20
    admin = session.execute(select(User).where(User.email == "ops@example.com")).scalar_one()
    assert admin.must_change_password is True
    assert generated not in admin.password_hash


def test_bootstrap_generates_a_different_password_every_time(session):
    first = bootstrap_admin(session=session, settings=settings(admin_email="a1@example.com"))
    session.rollback()
    second = bootstrap_admin(session=session, settings=settings(admin_email="a1@example.com"))
    assert first and second and first != second


def test_bootstrap_does_nothing_when_an_admin_exists(session, admin):
    generated = bootstrap_admin(
        session=session, settings=settings(admin_email="late@example.com", admin_password="x" * 20)
    )
    assert generated is None
    found = session.execute(select(User).where(User.email == "late@example.com")).first()
    assert found is None


def test_bootstrap_promotes_an_existing_user_with_the_admin_email(session, make):
    user = make.user("manager", email="chief@example.com")
    assert (
        bootstrap_admin(session=session, settings=settings(admin_email="chief@example.com")) is None
    )
    assert user.role == "admin"


def test_bootstrap_never_uses_a_default_password(session):
    generated = bootstrap_admin(session=session, settings=settings())
    assert generated not in {None, "admin", "changeme", "password"}


def test_login_of_a_must_change_account_says_so(client, session):
    generated = bootstrap_admin(session=session, settings=settings(admin_email="new@example.com"))
    assert login(client, "new@example.com", generated)["must_change_password"] is True


@pytest.fixture
def must_change_token(client, session):
    generated = bootstrap_admin(session=session, settings=settings(admin_email="new@example.com"))
    admin = session.execute(select(User).where(User.email == "new@example.com")).scalar_one()
    return generated, auth(admin)


BLOCKED = [
    ("GET", "/api/v1/auth/me"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/1"),
    ("PATCH", "/api/v1/users/1"),
    ("GET", "/api/v1/vehicles"),
    ("POST", "/api/v1/vehicles"),
    ("GET", "/api/v1/vehicles/1"),
    ("PATCH", "/api/v1/vehicles/1"),
    ("DELETE", "/api/v1/vehicles/1"),
    ("GET", "/api/v1/drivers"),
    ("POST", "/api/v1/drivers"),
    ("GET", "/api/v1/drivers/1"),
    ("PATCH", "/api/v1/drivers/1"),
    ("DELETE", "/api/v1/drivers/1"),
    ("GET", "/api/v1/trips"),
    ("POST", "/api/v1/trips"),
    ("GET", "/api/v1/trips/1"),
    ("POST", "/api/v1/trips/1/finish"),
]


@pytest.mark.parametrize(("method", "url"), BLOCKED, ids=[f"{m} {u}" for m, u in BLOCKED])
def test_must_change_account_gets_403_everywhere_but_password_change(
    client, must_change_token, method, url
):
    _, headers = must_change_token
    r = client.request(method, url, headers=headers, json={})
    assert r.status_code == 403, r.text
    assert "POST /api/v1/auth/password" in r.json()["detail"]


def test_after_the_change_the_new_token_works_and_the_old_one_is_refused(client, must_change_token):
    generated, old = must_change_token
    r = client.post(
        "/api/v1/auth/password",
        headers=old,
        json={"current_password": generated, "new_password": "my own admin password"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["must_change_password"] is False
    new = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/users", headers=new).status_code == 200
    assert client.get("/api/v1/auth/me", headers=old).status_code == 401


def test_admin_email_and_password_are_read_from_the_environment(session, monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "from-env@example.com")
    monkeypatch.setenv("ADMIN_PASSWORD", "password from the env")
    assert bootstrap_admin(session=session, settings=Settings(_env_file=None)) is None
    admin = session.execute(select(User).where(User.email == "from-env@example.com")).scalar_one()
    assert admin.role == "admin" and not admin.must_change_password


def test_frota_bootstrap_admin_prints_a_generated_password_once(database_url, engine, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import truncate_all

    env = {k: v for k, v in os.environ.items() if k not in {"ADMIN_EMAIL", "ADMIN_PASSWORD"}}
    env.update(DATABASE_URL=database_url, ADMIN_EMAIL="first@example.com")
    frota = str(Path(sys.executable).with_name("frota"))
    try:
        first = subprocess.run(
            [frota, "bootstrap-admin"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        second = subprocess.run(
            [frota, "bootstrap-admin"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        truncate_all(engine)
    assert first.returncode == 0, first.stderr
    assert "first@example.com" in first.stdout and "must be changed" in first.stdout
    assert second.returncode == 0 and "Password" not in second.stdout
