"""The panel in a real headless Chromium: a manager's (and an admin's) day."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.panel.conftest import image_rendered, photo_json

pytestmark = pytest.mark.usefixtures("committed")


def test_manager_logs_in_and_sees_the_dashboard(panel, seed):
    panel.login("gestora@example.com")
    page = panel.page
    page.wait_for_selector("#dash-open-trips .list")
    assert "BRA2E19" in page.inner_text("#dash-open-trips")
    assert "Ana Souza" in page.inner_text("#dash-open-trips")
    page.wait_for_selector("#dash-expiring .list")
    assert "Bruno Lima" in page.inner_text("#dash-expiring")
    assert "Ana Souza" not in page.inner_text("#dash-expiring")
    page.wait_for_selector("#dash-no-photos .list")
    no_photos = page.inner_text("#dash-no-photos")
    assert "QWE4567" in no_photos and "ABC1D23" not in no_photos
    assert "Maria Gestora" in page.inner_text("#topbar")
    assert page.locator("#dash-health").count() == 0  # admins only
    panel.screenshot("01-manager-dashboard")


def test_admin_sees_health_and_backup_age_on_the_dashboard(panel, seed):
    panel.login("admin@example.com")
    page = panel.page
    health = page.wait_for_selector("#dash-health dl.facts")
    text = page.inner_text("#dash-health")
    assert "Newest backup: 2 h ago" in text
    assert "Database" in health.inner_text()
    assert "not configured: limits counted per worker" in text  # no REDIS_URL here
    panel.screenshot("10-admin-dashboard-health")


def test_manager_opens_a_vehicle_and_sees_its_photo(panel, seed):
    panel.login("gestora@example.com")
    page = panel.page
    page.click("#nav >> text=Vehicles")
    page.fill("form.filters input[name=q]", "abc1d23")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"q=abc1d23"))
    page.wait_for_selector("text=1–1 of 1")
    page.click("table.list a.plate >> text=ABC1D23")
    page.wait_for_selector(".gallery img")
    image_rendered(page, ".gallery img")
    assert page.evaluate("document.querySelector('.gallery img').naturalWidth") > 0
    assert "Strada" in page.inner_text(".facts")
    panel.screenshot("02-vehicle-detail")


def test_manager_puts_a_photo_on_legal_hold(panel, seed):
    panel.login("gestora@example.com")
    page = panel.page
    page.wait_for_selector("#dash-vehicles")
    panel.open(f"/vehicles/{seed.available_id}")
    page.click(".thumb-button")
    page.wait_for_selector("#lightbox[open] img.full")
    image_rendered(page, "#lightbox img.full")
    toggle = page.locator("#legal-hold-toggle")
    assert toggle.inner_text() == "Put on legal hold"
    toggle.click()
    page.wait_for_selector("#legal-hold-toggle >> text=Release legal hold")
    assert photo_json(seed)["legal_hold"] is True
    panel.screenshot("03-photo-legal-hold")
    with page.context.expect_page() as opened:
        page.click("#lightbox >> text=Open original")
    original = opened.value  # the signed URL in a tab of its own: no token, no panel
    original.wait_for_load_state()
    image_rendered(original, "img")
    original.close()
    page.click("#lightbox >> text=Close")
    assert page.locator(".thumb .badge.hold").is_visible()
    page.reload()
    page.wait_for_selector(".thumb .badge.hold", state="visible")


def test_manager_creates_a_vehicle_and_finds_it_in_the_list(panel, seed):
    panel.login("gestora@example.com")
    page = panel.page
    page.wait_for_selector("#dash-vehicles")
    panel.open("/vehicles")
    page.click("text=New vehicle")
    page.fill("#vehicle-form input[name=plate]", "rio-2a45")
    page.fill("#vehicle-form input[name=make]", "Renault")
    page.fill("#vehicle-form input[name=model]", "Kangoo")
    page.fill("#vehicle-form input[name=year]", "2022")
    page.fill("#vehicle-form input[name=odometer_km]", "1500")
    page.click("#vehicle-form button[type=submit]")
    page.wait_for_selector("h1 >> text=RIO2A45")
    panel.open("/vehicles")
    page.wait_for_selector("table.list >> text=RIO2A45")
    page.fill("form.filters input[name=q]", "Kangoo")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"q=Kangoo"))
    page.wait_for_selector("text=1–1 of 1")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("RIO2A45")
    panel.screenshot("04-vehicles-list-after-create")


def test_api_error_is_shown_as_its_detail(panel, seed):
    panel.login("gestora@example.com")
    page = panel.page
    page.wait_for_selector("#dash-vehicles")
    panel.open("/vehicles/new")
    page.fill("#vehicle-form input[name=plate]", "ABC-1D23")
    page.fill("#vehicle-form input[name=make]", "Fiat")
    page.fill("#vehicle-form input[name=model]", "Uno")
    page.click("#vehicle-form button[type=submit]")
    alert = page.wait_for_selector("#vehicle-form .notice.error")
    assert "A vehicle with plate ABC1D23 already exists" in alert.inner_text()


def test_manager_sees_drivers_with_expiring_licences_highlighted(panel, seed):
    panel.login("gestora@example.com")
    page = panel.page
    page.wait_for_selector("#dash-vehicles")
    panel.open("/drivers")
    page.wait_for_selector("table.list >> text=Bruno Lima")
    assert page.locator(".expiry.soon").count() == 1
    panel.open("/trips?state=finished")
    page.wait_for_selector("table.list >> text=QWE4567")
    assert "BRA2E19" not in page.inner_text("table.list")
    headers = page.locator("table.list th").all_inner_texts()
    assert "Finished" in headers and "Distance" in headers
    row = page.locator("table.list tbody tr").first
    assert "300 km" in row.inner_text() and "—" not in row.inner_text()  # finished time shown
    row.locator("a.plate").click()  # the plate opens the vehicle
    page.wait_for_url(re.compile(r"#/vehicles/\d+$"))
    page.wait_for_selector("h1 >> text=QWE4567")
    panel.open(f"/trips/{seed.bruno_trip_id}")
    page.wait_for_selector(".facts >> text=Bruno Lima")
    assert "300 km" in page.inner_text(".facts")
    panel.screenshot("05-trip-detail")


def test_manager_filters_trips_by_plate_state_and_dates(panel, seed):
    panel.login("gestora@example.com")
    page = panel.page
    page.wait_for_selector("#dash-vehicles")
    panel.open("/trips")
    page.wait_for_selector("table.list >> text=QWE4567")
    page.fill("#trip-filters input[name=plate]", "qwe-4567")
    page.click("#trip-filters button[type=submit]")
    page.wait_for_selector("text=1–1 of 1")
    assert "Bruno Lima" in page.inner_text("table.list")
    page.fill("#trip-filters input[name=plate]", "")
    page.select_option("#trip-filters select[name=state]", "open")
    page.click("#trip-filters button[type=submit]")
    page.wait_for_url(re.compile(r"state=open"))
    page.wait_for_selector("table.list >> text=Ana Souza")
    assert "Bruno Lima" not in page.inner_text("table.list")
    two_days_ago = (date.today() - timedelta(days=2)).isoformat()
    panel.open(f"/trips?from={two_days_ago}&to={two_days_ago}")
    page.wait_for_selector("text=1–1 of 1")
    assert "QWE4567" in page.inner_text("table.list")
    page.fill("#trip-filters input[name=plate]", "ZZZ9Z99")
    page.click("#trip-filters button[type=submit]")
    assert "No vehicle with plate ZZZ9Z99" in page.wait_for_selector(".notice.error").inner_text()


def test_manager_creates_and_edits_a_driver(panel, seed):
    panel.login("gestora@example.com")
    page = panel.page
    page.wait_for_selector("#dash-vehicles")
    panel.open("/drivers/new")
    page.fill("#driver-form input[name=name]", "Carla Dias")
    page.fill("#driver-form input[name=license_number]", "555.444.333-22")
    page.select_option("#driver-form select[name=license_category]", "AB")
    page.fill(
        "#driver-form input[name=license_expiry]", (date.today() - timedelta(days=1)).isoformat()
    )
    options = page.locator("#driver-form select[name=user_id] option").all_inner_texts()
    assert "João Pereira <joao@example.com>" in options
    assert not any("ana@example.com" in option for option in options)  # Ana is linked already
    page.select_option("#driver-form select[name=user_id]", label="João Pereira <joao@example.com>")
    page.click("#driver-form button[type=submit]")
    row = page.wait_for_selector("table.list tr:has-text('Carla Dias')")
    assert "55544433322" in row.inner_text() and "expired" in row.inner_text()
    assert "joao@example.com" in row.inner_text()
    row.click()
    selected = page.locator("#driver-form select[name=user_id] option:checked").inner_text()
    assert selected == "João Pereira <joao@example.com>"
    page.fill("#driver-form input[name=name]", "Carla Dias Souza")
    page.click("#driver-form button[type=submit]")
    page.wait_for_selector("table.list >> text=Carla Dias Souza")
    panel.screenshot("12-drivers-list")


def test_manager_retires_a_vehicle_with_history(panel, seed):
    panel.login("gestora@example.com")
    page = panel.page
    page.wait_for_selector("#dash-vehicles")
    panel.open(f"/vehicles/{seed.other_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Retire')")
    page.wait_for_selector(".notice.info >> text=Vehicle retired.")
    assert "Retired" in page.inner_text("h1")
