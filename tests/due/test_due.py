"""`/due` and its calendar feed: reminders, documents, the licensing calendar, CNH and
toxicology exams in one list, most urgent first; the feed read back with `icalendar`."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from api.documents import licensing
from tests.conftest import auth

DUE = "/api/v1/due"


def local_today() -> date:
    return datetime.now(timezone(timedelta(hours=-3))).date()


@pytest.fixture
def h(manager):
    return auth(manager)


def due(client, h, **params):
    r = client.get(DUE, params={"limit": 200, **params}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def post(client, h, url, **body):
    r = client.post(url, json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def test_the_licensing_calendar_has_every_state_and_digit():
    assert {"SP", "RJ", "MG", "PR", "RS", "SC", "BA", "GO", "DF"} <= set(licensing.states())
    for state in licensing.states():
        for digit in range(10):
            licensing.deadline(state, f"ABC123{digit}", 2027)  # a real date, or ValueError
    assert licensing.deadline("SP", "ABC1D21", 2026) == date(2026, 7, 31)
    assert licensing.deadline("SP", "ABC1230", 2026) == date(2026, 12, 31)


def test_a_vehicle_without_this_years_crlv_is_due_by_its_plates_date(client, h, make):
    today = local_today()
    unlicensed = make.vehicle(plate="LIC1A21")
    licensed = make.vehicle(plate="LIC1A22")
    retired = make.vehicle(plate="LIC1A23", status="retired")
    post(
        client,
        h,
        "/api/v1/documents",
        vehicle_id=licensed.id,
        kind="crlv",
        issued_on=today.replace(month=1, day=15).isoformat(),
    )
    items = due(client, h, kind="licensing", within_days=365)
    deadline = licensing.deadline("SP", "LIC1A21", today.year)
    assert [(i["vehicle_id"], i["due_on"]) for i in items] == [
        (unlicensed.id, deadline.isoformat())
    ]
    assert items[0]["status"] == ("overdue" if deadline < today else "due_soon")
    assert items[0]["ref"] == f"/api/v1/vehicles/{unlicensed.id}"
    assert items[0]["title"] == "CRLV LIC1A21"
    assert retired.id not in [i["vehicle_id"] for i in due(client, h, within_days=365)]


def test_everything_due_in_one_list_most_urgent_first(client, h, make):
    today = local_today()
    car = make.vehicle(plate="DUE1A23", odometer_km=29_500)
    oil = post(
        client,
        h,
        "/api/v1/reminders",
        vehicle_id=car.id,
        title="Troca de óleo",
        every_km=10_000,
        last_done_km=20_000,
    )
    post(
        client,
        h,
        "/api/v1/documents",
        vehicle_id=car.id,
        kind="crlv",
        issued_on=today.replace(month=1, day=2).isoformat(),
    )
    old = post(
        client,
        h,
        "/api/v1/documents",
        vehicle_id=car.id,
        kind="insurance",
        expires_on=(today - timedelta(days=40)).isoformat(),
    )
    insurance = post(
        client,
        h,
        "/api/v1/documents",
        vehicle_id=car.id,
        kind="insurance",
        expires_on=(today + timedelta(days=20)).isoformat(),
    )
    assert insurance["status"] == "due_soon" and old["status"] == "expired"
    ana = make.driver(name="Ana", license_category="D", license_expiry=today + timedelta(days=10))
    bia = make.driver(name="Bia", license_category="E")
    post(
        client,
        h,
        "/api/v1/documents",
        driver_id=bia.id,
        kind="toxicology",
        issued_on=today.isoformat(),
        expires_on=(today + timedelta(days=900)).isoformat(),
    )
    make.driver(name="Caio", license_category="B")
    items = due(client, h)
    summary = [(i["kind"], i["title"], i["status"]) for i in items]
    assert summary == [
        ("toxicology", "toxicology Ana", "overdue"),  # a D licence and no exam on file
        ("cnh", "CNH Ana", "due_soon"),
        ("document", "insurance DUE1A23", "due_soon"),  # the renewed one; the old is superseded
        ("reminder", "Troca de óleo DUE1A23", "due_soon"),  # 500 km left, no date
    ]
    assert items[2]["ref"] == f"/api/v1/documents/{insurance['id']}"
    assert items[3]["due_km"] == 30_000 and items[3]["ref"] == f"/api/v1/reminders/{oil['id']}"
    # Narrower: 5 days and 100 km leave only the exam.
    assert [i["kind"] for i in due(client, h, within_days=5, within_km=100)] == ["toxicology"]
    assert [i["kind"] for i in due(client, h, driver_id=ana.id)] == ["toxicology", "cnh"]
    csv = client.get(DUE, params={"format": "csv"}, headers=h)
    assert csv.status_code == 200 and csv.text.count("\n") == 5


def test_the_calendar_feed_opens_in_a_calendar_and_its_token_rotates(client, h, make, manager):
    today = local_today()
    make.driver(name='Zé, o "Motorista"', license_expiry=today + timedelta(days=3))
    car = make.vehicle(plate="ICS1A23")
    post(
        client,
        h,
        "/api/v1/documents",
        vehicle_id=car.id,
        kind="ipva",
        expires_on=(today + timedelta(days=7)).isoformat(),
    )
    assert client.get(f"{DUE}.ics?token={'x' * 40}").status_code == 404
    url = client.post(f"{DUE}/feed-token", headers=h).json()["url"]
    feed = client.get(url)  # no bearer token: the calendar app has only the URL
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = list(calendar.walk("VEVENT"))
    items = due(client, h)
    assert len(events) == len(items) == 3  # CNH, IPVA and the licensing of ICS1A23
    by_summary = {str(e["SUMMARY"]): e for e in events}
    cnh = by_summary['CNH Zé, o "Motorista"']
    assert cnh.decoded("DTSTART") == today + timedelta(days=3)
    assert cnh.decoded("DTEND") == today + timedelta(days=4)
    assert len({str(e["UID"]) for e in events}) == 3
    # A new URL: the old one stops working.
    newer = client.post(f"{DUE}/feed-token", headers=h).json()["url"]
    assert newer != url
    assert client.get(url).status_code == 404
    assert client.get(newer).status_code == 200
    assert client.delete(f"{DUE}/feed-token", headers=h).status_code == 204
    assert client.get(newer).status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 200), ("manager", 200), ("driver", 403), ("anonymous", 401)]
)
def test_roles(client, headers_as, role, expected):
    headers = headers_as(role)
    assert client.get(DUE, headers=headers).status_code == expected
    assert client.get("/api/v1/documents", headers=headers).status_code == expected
    rotate = client.post(f"{DUE}/feed-token", headers=headers).status_code
    assert rotate == expected


@pytest.mark.parametrize(
    "query", ["within_days=-1", "within_days=366", "within_km=x", "kind=fine", "status=ok"]
)
def test_bad_parameters_are_422(client, h, query):
    r = client.get(f"{DUE}?{query}", headers=h)
    assert r.status_code == 422 and r.json()["detail"]


@pytest.fixture
def clock(app):
    """/due's clock and LICENSING_STATE, set through the app's overrides."""
    from api.config import get_settings
    from api.local_time import current_time

    def set_clock(moment: datetime, state: str = "SP", calendar_file=None):
        settings = get_settings().model_copy(
            update={"licensing_state": state, "licensing_calendar_file": calendar_file}
        )
        app.dependency_overrides[get_settings] = lambda: settings
        app.dependency_overrides[current_time] = lambda: moment

    yield set_clock
    app.dependency_overrides.pop(current_time, None)
    app.dependency_overrides.pop(get_settings, None)


def licensing_items(client, h):
    return due(client, h, kind="licensing", within_days=30)


def test_an_rj_plate_ending_1_is_due_on_31_may_2026_and_overdue_on_1_june(client, h, make, clock):
    car = make.vehicle(plate="RIO1A21")
    licensed = make.vehicle(plate="RIO1A31")
    post(
        client, h, "/api/v1/documents", vehicle_id=licensed.id, kind="crlv", issued_on="2026-02-10"
    )
    old = make.vehicle(plate="RIO1A11")  # licensed for 2025 only: still due in 2026
    post(client, h, "/api/v1/documents", vehicle_id=old.id, kind="crlv", issued_on="2025-08-01")
    # 31 May, 23:30 in Rio (02:30 UTC on 1 June): still the last day.
    clock(datetime(2026, 6, 1, 2, 30, tzinfo=UTC), state="RJ")
    items = licensing_items(client, h)
    assert sorted((i["title"], i["due_on"], i["status"]) for i in items) == [
        ("CRLV RIO1A11", "2026-05-31", "due_soon"),
        ("CRLV RIO1A21", "2026-05-31", "due_soon"),
    ]
    assert all(i["estimated"] is False and i["calendar_year"] == 2026 for i in items)
    clock(datetime(2026, 6, 1, 3, 0, tzinfo=UTC), state="RJ")  # midnight in Rio
    by_title = {i["title"]: i for i in licensing_items(client, h)}
    assert by_title["CRLV RIO1A21"]["status"] == "overdue"
    assert by_title["CRLV RIO1A21"]["vehicle_id"] == car.id
    # The same plate in SP is months away: not due within 30 days.
    clock(datetime(2026, 6, 1, 3, 0, tzinfo=UTC), state="SP")
    assert licensing_items(client, h) == []


def test_a_state_whose_table_is_for_2025_only_is_estimated_in_2026(client, h, make, clock):
    make.vehicle(plate="MGS1A21")
    clock(datetime(2026, 8, 10, 15, tzinfo=UTC), state="MG")
    [item] = licensing_items(client, h)
    assert (item["due_on"], item["status"]) == ("2026-08-31", "due_soon")
    assert item["estimated"] is True and item["calendar_year"] == 2025
    # In 2025 the same table is that year's own: no estimate.
    clock(datetime(2025, 8, 10, 15, tzinfo=UTC), state="MG")
    [item] = licensing_items(client, h)
    assert (item["due_on"], item["estimated"], item["calendar_year"]) == ("2025-08-31", False, 2025)
    # The other kinds are never estimates; CSV carries the fields too.
    assert all(
        i["estimated"] is False and i["calendar_year"] is None
        for i in due(client, h)
        if i["kind"] != "licensing"
    )
    csv = client.get(DUE, params={"format": "csv", "kind": "licensing"}, headers=h)
    assert csv.text.splitlines()[0].endswith("estimated,calendar_year")


def test_an_unconfirmed_date_is_an_estimate_in_its_own_year_and_the_feed_says_so(
    client, h, make, clock
):
    make.vehicle(plate="BAH1A21")  # BA 2026: final 1 estimated from the 2025 pattern
    make.vehicle(plate="BAH1A24")  # final 4: published, 31 August
    clock(datetime(2026, 7, 20, 15, tzinfo=UTC), state="BA")
    items = {i["title"]: i for i in due(client, h, kind="licensing", within_days=60)}
    assert items["CRLV BAH1A21"]["estimated"] is True
    assert items["CRLV BAH1A21"]["calendar_year"] == 2026
    assert items["CRLV BAH1A24"]["estimated"] is False
    assert items["CRLV BAH1A24"]["due_on"] == "2026-08-31"
    url = client.post(f"{DUE}/feed-token", headers=h).json()["url"]
    events = {
        str(e["SUMMARY"]): str(e["DESCRIPTION"])
        for e in Calendar.from_ical(client.get(url + "&within_days=60").content).walk("VEVENT")
    }
    assert "estimated (calendário de 2026)" in events["CRLV BAH1A21"]
    assert "estimated" not in events["CRLV BAH1A24"]
