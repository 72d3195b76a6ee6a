"""GET /vehicles: bounds, total and links, filters, stable order."""

from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import auth

URL = "/api/v1/vehicles"


@pytest.fixture
def h(manager):
    return auth(manager)


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "limit=-1",
        "offset=-1",
        "limit=abc",
        "offset=10000001",
        "status=stolen",
        "q=" + "x" * 61,
        "q=a%00b",
    ],
)
def test_bad_list_parameters_are_422(client, h, query):
    r = client.get(f"{URL}?{query}", headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_limit_200_is_accepted(client, h):
    assert client.get(f"{URL}?limit=200", headers=h).status_code == 200


def test_default_page_is_50_with_total_and_next_link(client, h, make):
    ids = [make.vehicle().id for _ in range(55)]
    body = client.get(URL, headers=h).json()
    assert body["limit"] == 50 and body["offset"] == 0
    assert body["total"] == 55
    assert [v["id"] for v in body["items"]] == ids[:50]
    assert parse_qs(urlparse(body["next"]).query)["offset"] == ["50"]
    assert body["previous"] is None


def test_pages_follow_each_other_without_gaps_or_repeats(client, h, make):
    ids = sorted(make.vehicle().id for _ in range(7))
    seen, url = [], f"{URL}?limit=3"
    while url:
        body = client.get(url, headers=h).json()
        seen += [v["id"] for v in body["items"]]
        url = body["next"]
    assert [i for i in seen if i in ids] == ids
    assert len(seen) == len(set(seen))


def test_last_page_has_no_next_and_a_previous_link(client, h, make):
    for _ in range(3):
        make.vehicle()
    total = client.get(URL, headers=h).json()["total"]
    body = client.get(f"{URL}?limit=2&offset={total - 1}", headers=h).json()
    assert body["next"] is None
    assert parse_qs(urlparse(body["previous"]).query)["offset"] == [str(total - 3)]


def test_offset_past_the_end_is_an_empty_page(client, h):
    body = client.get(f"{URL}?offset=100000", headers=h).json()
    assert body["items"] == [] and body["next"] is None


def test_filter_by_status(client, h, make):
    kept = make.vehicle(status="maintenance")
    make.vehicle()
    body = client.get(f"{URL}?status=maintenance", headers=h).json()
    assert [v["id"] for v in body["items"]] == [kept.id]
    assert body["total"] == 1


@pytest.mark.parametrize("q", ["xyz-9k87", "XYZ9K", "ferrari", "TESTAROS"])
def test_search_by_plate_with_separators_make_or_model(client, h, make, q):
    kept = make.vehicle(plate="XYZ9K87", make="Ferrari", model="Testarossa")
    make.vehicle(plate="AAA1111", make="Fiat", model="Uno")
    body = client.get(f"{URL}?q={q}", headers=h).json()
    assert [v["id"] for v in body["items"]] == [kept.id]


def test_next_link_keeps_the_filters(client, h, make):
    for _ in range(3):
        make.vehicle(status="maintenance")
    body = client.get(f"{URL}?status=maintenance&limit=2", headers=h).json()
    query = parse_qs(urlparse(body["next"]).query)
    assert query["status"] == ["maintenance"] and query["limit"] == ["2"]


@pytest.mark.parametrize("q", ["%", "_", "-", "%25"])
def test_search_wildcards_and_separators_match_literally(client, h, make, q):
    make.vehicle(plate="AAA1111", make="Fiat", model="Uno")
    body = client.get(URL, params={"q": q}, headers=h).json()
    assert body["items"] == []
