"""Inspections, defects, fines and the audit log in the real browser: a driver's failed critical
item on a phone grounds the vehicle; a manager's service record resolves it and releases the
vehicle; fines name the driver; the admin reads who did what."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.panel.conftest import jpeg_bytes

pytestmark = pytest.mark.usefixtures("committed")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def token(base: str, email: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/login", data={"username": email, "password": TEST_PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


@pytest.fixture(scope="module")
def carla(seed):
    """A driver with no trip (Ana's is open), and a checklist required before every check-out."""
    admin = {"Authorization": f"Bearer {token(seed.base_url, 'admin@example.com')}"}
    manager = {"Authorization": f"Bearer {seed.manager_token}"}
    user = httpx.post(
        f"{seed.base_url}/api/v1/users",
        headers=admin,
        json={
            "email": "carla@example.com",
            "name": "Carla Dias",
            "role": "driver",
            "password": TEST_PASSWORD,
        },
    ).json()
    driver = httpx.post(
        f"{seed.base_url}/api/v1/drivers",
        headers=manager,
        json={
            "name": "Carla Dias",
            "license_number": "55566677788",
            "license_category": "B",
            "license_expiry": "2031-01-01",
            "user_id": user["id"],
        },
    )
    assert driver.status_code == 201, driver.text
    template = httpx.post(
        f"{seed.base_url}/api/v1/inspection-templates",
        headers=manager,
        json={
            "name": "Antes de sair",
            "required_at_check_out": True,
            "items": [
                {"key": "tyres", "label": "Pneus", "critical": True},
                {"key": "lights", "label": "Faróis e setas", "critical": True},
                {"key": "documents", "label": "CRLV no veículo"},
            ],
        },
    )
    assert template.status_code == 201, template.text
    return {"user": user, "driver": driver.json(), "template": template.json()}


@pytest.mark.browser_context(**PHONE)
def test_driver_fails_a_critical_item_on_a_phone_and_the_vehicle_is_grounded(panel, seed, carla):
    page = panel.page
    panel.login("carla@example.com")
    page.click("#inspect")
    page.wait_for_selector("#inspection-form")
    page.select_option("#inspection-form select[name=vehicle_id]", str(seed.available_id))
    page.click(".inspection-item[data-key=tyres] .choice-fail")
    page.fill("#inspection-form input[name=note_tyres]", "pneu dianteiro careca")
    page.set_input_files(
        "#inspection-form input[name=photo_tyres]",
        {"name": "pneu.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()},
    )
    page.click(".inspection-item[data-key=lights] .choice-pass")
    page.click(".inspection-item[data-key=documents] .choice-na")
    # The touch targets are big enough for a thumb.
    box = page.locator(".inspection-item[data-key=lights] .choice-pass").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 88
    page.click("#inspection-form button[type=submit]")
    page.wait_for_selector("#inspection-done")
    expect(page.locator("#inspection-done")).to_contain_text("Critical defect")
    panel.open(f"/vehicles/{seed.available_id}")
    expect(page.locator("h1")).to_contain_text("Maintenance")
    expect(page.locator("#vehicle-defects")).to_contain_text("Pneus: pneu dianteiro careca")
    assert page.locator("#checkout-form").count() == 0
    # The API refuses the check-out too, naming the defect.
    carla_token = token(seed.base_url, "carla@example.com")
    refused = httpx.post(
        f"{seed.base_url}/api/v1/trips",
        json={"vehicle_id": seed.available_id, "start_odometer_km": 12_000},
        headers={"Authorization": f"Bearer {carla_token}"},
    )
    assert refused.status_code == 409 and "pneu dianteiro careca" in refused.json()["detail"]


def test_manager_resolves_the_defect_and_releases_the_vehicle(panel, seed, carla):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-due")
    expect(page.locator("#dash-due")).to_contain_text("defect ABC1D23")
    panel.open("/defects")
    row = page.locator("table.list tbody tr", has_text="pneu dianteiro careca")
    expect(row).to_contain_text("Critical")
    row.locator("text=Record the repair").click()
    page.wait_for_selector("#resolves input:checked")
    page.fill("#service-form input[name=odometer_km]", "12010")
    page.select_option("#service-form select[name=kind]", "tires")
    page.fill("#service-form input[name=item_name]", "Pneu novo")
    page.fill("#service-form input[name=item_cost]", "420")
    page.click("#service-form button[type=submit]")
    page.wait_for_selector("#services table")
    panel.open("/defects?all=1")
    row = page.locator("table.list tbody tr", has_text="pneu dianteiro careca")
    expect(row).to_contain_text("Resolved")
    row.locator("text=Release the vehicle").click()
    page.wait_for_selector("text=Vehicle released.")
    carla_token = token(seed.base_url, "carla@example.com")
    headers = {"Authorization": f"Bearer {carla_token}"}
    # The checklist is required before a check-out: a fresh, passing one, then the check-out.
    inspection = httpx.post(
        f"{seed.base_url}/api/v1/inspections",
        headers=headers,
        json={
            "vehicle_id": seed.available_id,
            "template_id": carla["template"]["id"],
            "phase": "check_out",
            "odometer_km": 12_010,
            "results": [
                {"key": "tyres", "result": "pass"},
                {"key": "lights", "result": "pass"},
                {"key": "documents", "result": "pass"},
            ],
        },
    )
    assert inspection.status_code == 201, inspection.text
    trip = httpx.post(
        f"{seed.base_url}/api/v1/trips",
        headers=headers,
        json={"vehicle_id": seed.available_id, "start_odometer_km": 12_010},
    )
    assert trip.status_code == 201, trip.text


def test_fines_name_the_driver(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-due")

    def add_fine(vehicle_id: int, at: datetime) -> None:
        panel.open("/fines/new")
        page.select_option("#fine-form select[name=vehicle_id]", str(vehicle_id))
        page.fill("#fine-form input[name=occurred_at]", at.astimezone().strftime("%Y-%m-%dT%H:%M"))
        page.fill("#fine-form input[name=amount]", "195.23")
        page.fill("#fine-form input[name=infraction_code]", "745-50")
        page.fill("#fine-form input[name=notice_received_on]", datetime.now().date().isoformat())
        page.click("#fine-form button[type=submit]")
        page.wait_for_selector("#fine-edit")

    add_fine(seed.in_use_id, datetime.now(UTC) - timedelta(hours=1))  # inside Ana's open trip
    expect(page.locator("#fine-edit")).to_contain_text("Identified")
    expect(page.locator("#fine-edit select[name=driver_id] option:checked")).to_have_text(
        "Ana Souza"
    )
    add_fine(seed.other_id, datetime.now(UTC) - timedelta(hours=5))  # between Bruno's trips
    expect(page.locator("#fine-edit")).to_contain_text("No trip")
    page.select_option("#fine-edit select[name=driver_id]", label="Bruno Lima")
    page.click("#fine-edit button[type=submit]")
    page.wait_for_url("**/panel/#/fines")
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    expect(page.locator("table.list")).to_contain_text("Bruno Lima")
    panel.open("/due?kind=fine_identification&within_days=60")
    expect(page.locator("table.list tbody tr")).to_have_count(2)


def test_admin_reads_the_audit_log(panel, seed):
    page = panel.page
    panel.login("admin@example.com")
    page.wait_for_selector("#dash-due")
    panel.open("/audit?entity=vehicle")
    expect(page.locator("table.list")).to_contain_text("status: maintenance → available")
    expect(page.locator("table.list")).to_contain_text("Maria Gestora")
