"""Role matrix for /users: admin only."""

import uuid

import pytest

ROLES = ["admin", "manager", "driver", "anonymous"]


def _new_user() -> dict:
    return {
        "email": f"u-{uuid.uuid4().hex[:8]}@example.com",
        "name": "New",
        "role": "manager",
        "password": "a good long password",
    }


CASES = [
    ("GET", "/api/v1/users", None, 200),
    ("POST", "/api/v1/users", _new_user, 201),
    ("GET", "/api/v1/users/{id}", None, 200),
    ("PATCH", "/api/v1/users/{id}", lambda: {"name": "Renamed"}, 200),
]
DENIED = {"manager": 403, "driver": 403, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "body", "allowed"), CASES, ids=[f"{m} {u}" for m, u, _, _ in CASES]
)
def test_users_endpoints_by_role(client, make, headers_as, role, method, url, body, allowed):
    target = make.user("driver")
    r = client.request(
        method, url.format(id=target.id), headers=headers_as(role), json=body() if body else None
    )
    expected = allowed if role == "admin" else DENIED[role]
    assert r.status_code == expected, r.text
    if expected >= 400:
        assert r.json()["detail"]
