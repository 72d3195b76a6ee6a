"""Costs and compliance in the real browser: a manager logs fuel and services, sees km/l and
cost per km, an oil change due by km and a CRLV due by date on the due page and in the calendar
feed, exports the fuel list as CSV; a driver logs fuel with a receipt from a phone."""

import csv
import io
from datetime import date, timedelta

import httpx
import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.panel.conftest import jpeg_bytes

pytestmark = pytest.mark.usefixtures("committed")


def fill_up(page, vehicle_id: int, km: int, liters: str, price: str) -> None:
    page.goto(page.url.split("#")[0] + "#/fuel/new")
    page.wait_for_selector("#fuel-form select[name=vehicle_id]")
    page.select_option("#fuel-form select[name=vehicle_id]", str(vehicle_id))
    page.fill("#fuel-form input[name=odometer_km]", str(km))
    page.fill("#fuel-form input[name=liters]", liters)
    page.fill("#fuel-form input[name=price_per_liter]", price)
    page.click("#fuel-form button[type=submit]")
    page.wait_for_url("**/panel/#/fuel")


def test_manager_runs_costs_and_compliance(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-due table")
    # Bruno drives with a D licence and no toxicology exam on file: the first thing on the list.
    expect(page.locator("#dash-due")).to_contain_text("toxicology Bruno Lima")
    # An oil change every 1,000 km for ABC1D23 (at 12,000 km now).
    panel.open("/reminders/new")
    page.select_option("#reminder-form select[name=vehicle_ids]", [str(seed.available_id)])
    page.fill("#reminder-form input[name=title]", "Troca de óleo")
    page.fill("#reminder-form input[name=every_km]", "1000")
    page.click("#reminder-form button[type=submit]")
    page.wait_for_selector("#reminders >> text=Troca de óleo")
    # A month of fuel, and two services.
    fill_up(page, seed.available_id, 12_000, "40", "5.90")
    fill_up(page, seed.available_id, 12_480, "40", "6.00")
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    expect(page.locator("table.list tbody tr").first).to_contain_text("12")  # km/l 480 / 40
    for km, item, cost in ((12_500, "Filtro de ar", "45"), (12_600, "Palhetas", "60")):
        panel.open(f"/services/new?vehicle_id={seed.available_id}")
        page.wait_for_selector("#completes .check")
        page.uncheck("#completes input[type=checkbox]")  # the oil change is not done yet
        page.fill("#service-form input[name=odometer_km]", str(km))
        page.fill("#service-form input[name=item_name]", item)
        page.fill("#service-form input[name=item_cost]", cost)
        page.fill("#service-form input[name=labor_cost]", "30")
        page.click("#service-form button[type=submit]")
        page.wait_for_selector(f"#services >> text={km:,} km")
    expect(page.locator("#services tbody tr")).to_have_count(2)
    expect(page.locator("#reminders")).to_contain_text("Due soon")  # 400 km left
    # The due page: the oil change by km, the CRLV by the plate's date (within a year, so that
    # the test holds whatever the day it runs).
    panel.open("/due?within_days=365")
    expect(page.locator("table.list")).to_contain_text("Troca de óleo ABC1D23")
    expect(page.locator("table.list")).to_contain_text("CRLV ABC1D23")
    # The panel's server dates licensing by a state known only from 2020: an estimate, said so.
    crlv = page.locator("table.list tr", has_text="CRLV ABC1D23")
    expect(crlv.locator(".due-estimated")).to_have_text("Estimate (2020 calendar)")
    expect(
        page.locator("table.list tr", has_text="Troca de óleo").locator(".due-estimated")
    ).to_have_count(0)
    # The calendar feed: a URL a calendar app opens without a token of the panel's.
    page.click("#feed-new")
    url = page.input_value("#feed-url")
    feed = httpx.get(url + "&within_days=365")
    assert feed.status_code == 200, feed.text
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    assert {"Troca de óleo ABC1D23", "CRLV ABC1D23"} <= summaries
    # The fuel list as CSV, opened as a spreadsheet would.
    panel.open(f"/fuel?vehicle_id={seed.available_id}")
    with page.expect_download() as download:
        page.click("#fuel-csv")
    rows = list(
        csv.DictReader(
            io.StringIO(open(download.value.path(), encoding="utf-8-sig").read(), newline="")
        )
    )
    assert [row["odometer_km"] for row in rows] == ["12480", "12000"]
    assert rows[0]["km_per_liter"] == "12.00" and rows[0]["total_price"] == "240.00"
    # Costs: R$ 476 of fuel + R$ 165 of services over 600 km (12,000 → 12,600).
    panel.open("/costs?group_by=vehicle")
    page.wait_for_selector("#cost-chart[data-ready=true]")
    row = page.locator("table.list tbody tr", has_text="ABC1D23")
    expect(row).to_contain_text("R$")
    expect(row).to_contain_text("1.07")  # R$/km: 641 / 600
    assert page.evaluate("document.querySelector('#cost-chart').width") > 0


@pytest.mark.browser_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
def test_driver_logs_fuel_with_a_receipt_from_a_phone(panel, seed):
    page = panel.page
    panel.login("ana@example.com")
    page.click("#log-fuel")
    page.wait_for_selector("#fuel-form >> text=BRA2E19")
    page.set_input_files(
        "#fuel-form input[name=receipt]",
        {"name": "nota.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()},
    )
    page.fill("#fuel-form input[name=odometer_km]", "30600")
    page.fill("#fuel-form input[name=liters]", "30")
    page.fill("#fuel-form input[name=total_price]", "180")
    page.click("#fuel-form button[type=submit]")
    page.wait_for_url("**/panel/#/fuel")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    expect(page.locator("table.list")).to_contain_text("receipt")
    entries = httpx.get(
        f"{seed.base_url}/api/v1/fuel-entries",
        headers={"Authorization": f"Bearer {seed.manager_token}"},
        params={"vehicle_id": seed.in_use_id},
    ).json()["items"]
    (entry,) = entries
    assert entry["price_per_liter"] == 6.0 and entry["receipt_photo_id"]
    photo = httpx.get(
        f"{seed.base_url}/api/v1/photos/{entry['receipt_photo_id']}",
        headers={"Authorization": f"Bearer {seed.manager_token}"},
    ).json()
    assert photo["kind"] == "fuel_receipt" and photo["vehicle_id"] == seed.in_use_id


def test_manager_keeps_a_vehicles_documents(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-due")
    panel.open(f"/documents/new?vehicle_id={seed.other_id}&kind=insurance")
    page.wait_for_selector("#document-form")
    page.fill("#document-form input[name=number]", "APÓLICE 123/2026")
    soon = (date.today() + timedelta(days=10)).isoformat()
    page.fill("#document-form input[name=expires_on]", soon)
    page.fill("#document-form input[name=amount]", "2450.90")
    page.click("#document-form button[type=submit]")
    page.wait_for_url("**/panel/#/documents")
    row = page.locator("table.list tbody tr", has_text="APÓLICE 123/2026")
    expect(row).to_contain_text("Due soon")
    expect(row).to_contain_text("QWE4567")
    panel.open("/due?kind=document")
    expect(page.locator("table.list")).to_contain_text("insurance QWE4567")
    # Renewed: the same document a year on is valid, and leaves the due list.
    panel.open("/documents")
    page.locator("table.list tbody tr", has_text="APÓLICE 123/2026").locator("a").click()
    page.wait_for_selector("#document-form")
    page.fill(
        "#document-form input[name=expires_on]", (date.today() + timedelta(days=400)).isoformat()
    )
    page.click("#document-form button[type=submit]")
    page.wait_for_url("**/panel/#/documents")
    expect(page.locator("table.list tbody tr", has_text="APÓLICE 123/2026")).to_contain_text(
        "Valid"
    )
    panel.open("/due?kind=document")
    page.wait_for_selector("text=Nothing overdue or due soon.")
