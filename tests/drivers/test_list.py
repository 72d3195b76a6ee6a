"""GET /drivers: bounds, filters (licence expiring, name, active), stable order."""

from datetime import date, timedelta

import pytest

from tests.conftest import auth

URL = "/api/v1/drivers"


@pytest.fixture
def h(manager):
    return auth(manager)


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "offset=-1",
        "license_expiring_within_days=-1",
        "license_expiring_within_days=3651",
        "license_expiring_within_days=soon",
        "is_active=maybe",
        "q=a%00b",
    ],
)
def test_bad_list_parameters_are_422(client, h, query):
    r = client.get(f"{URL}?{query}", headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_licence_expiring_within_days_includes_expired_and_soon_orders_by_expiry(client, h, make):
    today = date.today()
    expired = make.driver(license_expiry=today - timedelta(days=3))
    soon = make.driver(license_expiry=today + timedelta(days=10))
    today_ = make.driver(license_expiry=today)
    make.driver(license_expiry=today + timedelta(days=31))
    body = client.get(f"{URL}?license_expiring_within_days=30", headers=h).json()
    assert [d["id"] for d in body["items"]] == [expired.id, today_.id, soon.id]
    assert body["total"] == 3


def test_licence_expiring_within_zero_days_means_expired_or_expiring_today(client, h, make):
    today = date.today()
    expiring = make.driver(license_expiry=today)
    make.driver(license_expiry=today + timedelta(days=1))
    body = client.get(f"{URL}?license_expiring_within_days=0", headers=h).json()
    assert [d["id"] for d in body["items"]] == [expiring.id]


def test_search_by_part_of_the_name(client, h, make):
    kept = make.driver(name="Maria Aparecida")
    make.driver(name="João")
    body = client.get(f"{URL}?q=apareci", headers=h).json()
    assert [d["id"] for d in body["items"]] == [kept.id]


def test_filter_by_active(client, h, make):
    inactive = make.driver(is_active=False)
    make.driver()
    body = client.get(f"{URL}?is_active=false", headers=h).json()
    assert [d["id"] for d in body["items"]] == [inactive.id]


def test_drivers_are_listed_in_a_stable_order_with_total_and_next(client, h, make):
    ids = [make.driver().id for _ in range(5)]
    first = client.get(f"{URL}?limit=3", headers=h).json()
    second = client.get(first["next"], headers=h).json()
    listed = [d["id"] for d in first["items"] + second["items"]]
    assert listed == sorted(listed) and listed[-5:] == ids[-5:]
    assert first["total"] == second["total"] >= 5


@pytest.mark.parametrize("q", ["%", "_"])
def test_name_search_wildcards_match_literally(client, h, make, q):
    make.driver(name="Maria")
    assert client.get(URL, params={"q": q}, headers=h).json()["items"] == []
