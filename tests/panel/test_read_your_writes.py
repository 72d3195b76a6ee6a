"""A write is committed before its response is sent: the panel saves, then shows what it saved."""

from typing import get_args

import httpx
import pytest

from tests.conftest import TEST_PASSWORD, _hash

pytestmark = pytest.mark.usefixtures("committed")


def test_session_dependency_ends_before_the_response():
    from api.db import SessionDep

    assert get_args(SessionDep)[1].scope == "function"


def test_a_write_is_visible_to_the_very_next_request(engine, panel_server):
    from sqlalchemy.orm import Session

    from api.users.models import User

    with Session(engine) as session:
        session.add(
            User(
                email="rw@example.com",
                name="RW",
                role="manager",
                password_hash=_hash(TEST_PASSWORD),
            )
        )
        session.commit()
    with httpx.Client(base_url=f"{panel_server}/api/v1") as http:
        token = http.post(
            "/auth/login", data={"username": "rw@example.com", "password": TEST_PASSWORD}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        vehicle = http.post(
            "/vehicles", json={"plate": "RWX1A23", "make": "Fiat", "model": "Mobi", "year": 2022}
        ).json()
        for km in range(100, 3100, 100):
            assert http.patch(f"/vehicles/{vehicle['id']}", json={"odometer_km": km}).is_success
            assert http.get(f"/vehicles/{vehicle['id']}").json()["odometer_km"] == km
