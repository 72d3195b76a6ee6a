"""The lists' one filter form and pager (api/panel/static/js/lists.js) and the server's enums as
the panel's choices (js/enums.js reads them from /openapi.json): a filter goes into the hash and
the API's query, the pager moves through the filtered rows, and a value the server adds shows up
without a change to the panel."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.vehicles.models import VehicleStatus
from tests.conftest import TEST_PASSWORD, _hash

pytestmark = pytest.mark.usefixtures("committed")
IN_MAINTENANCE = 60


@pytest.fixture(scope="module")
def fleet(committed, engine):
    """60 vehicles in maintenance (two pages of 50) and 5 available, and a manager."""
    from api.users.models import User

    with Session(engine) as session:
        session.add(
            User(
                email="listas@example.com",
                name="Gestora Listas",
                role="manager",
                password_hash=_hash(TEST_PASSWORD),
            )
        )
        session.execute(
            text(
                "INSERT INTO vehicles (plate, make, model, year, odometer_km, status) "
                "SELECT 'MNT' || (n % 10)::text || 'A' || lpad(n::text, 2, '0'), 'Fiat', 'Doblo', "
                "       2021, 5000, "
                "       CASE WHEN n < :maintenance THEN 'maintenance' ELSE 'available' END "
                "FROM generate_series(0, :maintenance + 4) AS n"
            ),
            {"maintenance": IN_MAINTENANCE},
        )
        session.commit()


def vehicle_list_queries(panel) -> list[dict[str, list[str]]]:
    """The query strings of the panel's GET /api/v1/vehicles list requests so far."""
    return [
        parse_qs(urlsplit(line.split()[1]).query)
        for line in panel.responses
        if line.startswith("GET ") and urlsplit(line.split()[1]).path == "/api/v1/vehicles"
    ]


def test_a_filter_goes_into_the_list_url_and_the_pager_moves_within_it(panel, fleet):
    page = panel.page
    panel.login("listas@example.com")
    page.wait_for_selector("#dash-vehicles")
    panel.open("/vehicles?offset=50")
    page.wait_for_selector("text=51–65 of 65")
    # Choosing a status submits the form: the filter replaces the query, back to the first page.
    page.select_option("#vehicle-filters select[name=status]", "maintenance")
    page.wait_for_url(re.compile(r"#/vehicles\?status=maintenance$"))
    page.wait_for_selector(f"text=1–50 of {IN_MAINTENANCE}")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 50
    assert rows.filter(has_text="Maintenance").count() == 50
    asked = vehicle_list_queries(panel)[-1]
    assert asked["status"] == ["maintenance"] and asked["offset"] == ["0"]
    assert asked["limit"] == ["50"]

    page.click("text=Next ›")
    page.wait_for_url(re.compile(r"#/vehicles\?status=maintenance&offset=50$"))
    page.wait_for_selector(f"text=51–{IN_MAINTENANCE} of {IN_MAINTENANCE}")
    assert rows.count() == IN_MAINTENANCE - 50
    assert rows.filter(has_text="Maintenance").count() == IN_MAINTENANCE - 50
    asked = vehicle_list_queries(panel)[-1]
    assert asked["status"] == ["maintenance"] and asked["offset"] == ["50"]
    assert page.locator("button:has-text('Next ›')").is_disabled()
    assert page.input_value("#vehicle-filters select[name=status]") == "maintenance"

    page.click("text=‹ Previous")
    page.wait_for_url(re.compile(r"#/vehicles\?status=maintenance$"))
    page.wait_for_selector(f"text=1–50 of {IN_MAINTENANCE}")

    # A search keeps the other filters of the form and starts again from the first page.
    page.click("text=Next ›")
    page.wait_for_url(re.compile(r"offset=50$"))
    page.fill("#vehicle-filters input[name=q]", "MNT3A")
    page.click("#vehicle-filters button[type=submit]")
    page.wait_for_url(re.compile(r"#/vehicles\?q=MNT3A&status=maintenance$"))
    page.wait_for_selector("text=1–6 of 6")  # MNT3A03, 13, 23, 33, 43, 53
    asked = vehicle_list_queries(panel)[-1]
    assert asked["q"] == ["MNT3A"] and asked["status"] == ["maintenance"]
    assert asked["offset"] == ["0"]


def test_a_checkbox_filter_is_one_in_the_url(panel, fleet):
    page = panel.page
    panel.login("listas@example.com")
    page.wait_for_selector("#dash-vehicles")
    panel.open("/drivers?q=nobody")
    page.wait_for_selector("text=Nothing found.")
    page.check("#driver-filters input[name=expiring]")  # submits at once
    page.wait_for_url(re.compile(r"#/drivers\?q=nobody&expiring=1$"))
    assert page.is_checked("#driver-filters input[name=expiring]")


def test_the_choices_are_the_servers_enums_read_from_the_openapi(panel, fleet):
    page = panel.page
    options = "#vehicle-filters select[name=status] option"
    panel.login("listas@example.com")
    page.wait_for_selector("#dash-vehicles .tiles")
    assert page.locator("#dash-vehicles .tiles li").count() == len(VehicleStatus)
    panel.open("/vehicles")
    page.wait_for_selector(options, state="attached")
    values = page.eval_on_selector_all(options, "options => options.map(o => o.value)")
    assert values == ["", *(status.value for status in VehicleStatus)]

    # A value the server adds reaches the panel through /openapi.json alone.
    def with_a_new_status(route):
        spec = route.fetch().json()
        spec["components"]["schemas"]["VehicleStatus"]["enum"].append("scrapped")
        route.fulfill(json=spec)

    page.context.route(re.compile(r"/openapi\.json$"), with_a_new_status)
    page.reload()
    page.wait_for_selector(f"{options}[value=scrapped]", state="attached")
    values = page.eval_on_selector_all(options, "options => options.map(o => o.value)")
    assert values == ["", *(status.value for status in VehicleStatus), "scrapped"]
