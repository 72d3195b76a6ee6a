"""Every token that is not one we issued, still valid, for a live account, is refused (401)."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from jose import jwt

from api.config import get_settings
from api.security import create_access_token
from tests.conftest import auth

ME = "/api/v1/auth/me"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(user_id: int, **extra) -> dict:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
        "typ": "access",
    }
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not None}


def _secret() -> str:
    return get_settings().secret_key.get_secret_value()


def _me(client, token: str):
    return client.get(ME, headers={"Authorization": f"Bearer {token}"})


def test_a_token_we_issued_is_accepted(client, manager):
    assert client.get(ME, headers=auth(manager)).status_code == 200


def test_expired_token_is_401(client, manager):
    token = create_access_token(
        user_id=manager.id, settings=get_settings(), now=datetime.now(UTC) - timedelta(hours=25)
    )
    r = _me(client, token)
    assert r.status_code == 401
    assert "expired" in r.json()["detail"].lower()


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "", "Bearer", _b64({"alg": "HS256"}) + ".%%%." + "x" * 43],
    ids=["word", "three-dots", "empty", "bearer", "bad-payload"],
)
def test_garbage_token_is_401(client, token):
    r = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json()["detail"]


def test_alg_none_token_is_401(client, manager):
    token = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims(manager.id)) + "."
    r = _me(client, token)
    assert r.status_code == 401
    assert "algorithm" in r.json()["detail"]


def test_token_with_another_hmac_algorithm_is_401(client, manager):
    token = jwt.encode(_claims(manager.id), _secret(), algorithm="HS512")
    r = _me(client, token)
    assert r.status_code == 401
    assert "algorithm" in r.json()["detail"]


def test_token_signed_with_another_key_is_401(client, manager):
    token = jwt.encode(_claims(manager.id), "another-secret-" + "x" * 40, algorithm="HS256")
    r = _me(client, token)
    assert r.status_code == 401
    assert "Invalid" in r.json()["detail"]


def test_token_with_a_tampered_payload_is_401(client, manager, admin):
    header, _payload, signature = auth(manager)["Authorization"].split()[1].split(".")
    forged = f"{header}.{_b64(_claims(admin.id))}.{signature}"
    assert _me(client, forged).status_code == 401


@pytest.mark.parametrize("missing", ["exp", "iat", "sub"])
def test_token_without_a_required_claim_is_401(client, manager, missing):
    token = jwt.encode(_claims(manager.id, **{missing: None}), _secret(), algorithm="HS256")
    r = _me(client, token)
    assert r.status_code == 401
    assert r.json()["detail"]


def test_token_that_is_not_an_access_token_is_401(client, manager):
    token = jwt.encode(_claims(manager.id, typ="refresh"), _secret(), algorithm="HS256")
    r = _me(client, token)
    assert r.status_code == 401
    assert "not an access token" in r.json()["detail"]


def test_token_with_a_non_numeric_subject_is_401(client):
    token = jwt.encode(_claims(0, sub="admin"), _secret(), algorithm="HS256")
    assert _me(client, token).status_code == 401


def test_token_of_a_user_that_does_not_exist_is_401(client):
    token = create_access_token(user_id=2_000_000_000, settings=get_settings())
    r = _me(client, token)
    assert r.status_code == 401
    assert "no longer exists" in r.json()["detail"]


def test_basic_auth_instead_of_bearer_is_401(client, manager):
    r = client.get(ME, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401


def test_deactivated_users_token_stops_working_at_once(client, admin, make):
    user = make.user("manager")
    headers = auth(user)
    assert client.get(ME, headers=headers).status_code == 200
    r = client.patch(f"/api/v1/users/{user.id}", json={"is_active": False}, headers=auth(admin))
    assert r.status_code == 200, r.text
    r = client.get(ME, headers=headers)
    assert r.status_code == 401
    assert "deactivated" in r.json()["detail"]
    assert client.get("/api/v1/vehicles", headers=headers).status_code == 401


def test_token_lifetime_follows_access_token_hours():
    from api.config import Settings

    settings = Settings(_env_file=None, secret_key="k" * 40, access_token_hours=2)
    claims = jwt.get_unverified_claims(create_access_token(user_id=1, settings=settings))
    assert claims["exp"] - int(claims["iat"]) == 2 * 3600


def test_issued_tokens_are_hs256_with_an_expiry(manager):
    token = auth(manager)["Authorization"].split()[1]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert {"exp", "iat", "sub"} <= set(jwt.get_unverified_claims(token))
