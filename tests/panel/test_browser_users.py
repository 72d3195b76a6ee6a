"""Admins onboard people from the panel: a driver with a login in one form, who then logs in
with the temporary password, must change it, and checks a vehicle out on a phone."""

import re
from datetime import date, timedelta

import httpx
import pytest

from tests.conftest import TEST_PASSWORD
from tests.panel.conftest import PanelPage

pytestmark = pytest.mark.usefixtures("committed")


def test_admin_creates_a_driver_with_a_login_who_then_checks_out_on_a_phone(panel, browser, seed):
    page = panel.page
    panel.login("admin@example.com")
    page.wait_for_selector("#nav >> text=Users")
    page.click("#nav >> text=Users")
    page.wait_for_selector("table.list >> text=gestora@example.com")
    page.click("text=New user")
    page.fill("#user-form input[name=name]", "Carla Dias")
    page.fill("#user-form input[name=email]", "carla@example.com")
    page.select_option("#user-form select[name=role]", "driver")
    temporary = page.input_value("#user-form input[name=password]")
    assert len(temporary) >= 12
    page.fill("#user-form input[name=license_number]", "55544433322")
    page.select_option("#user-form select[name=license_category]", "C")
    page.fill(
        "#user-form input[name=license_expiry]", (date.today() + timedelta(days=500)).isoformat()
    )
    panel.screenshot("20-new-driver-with-login")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector(".notice.info >> text=User created")
    assert "carla@example.com" in page.inner_text("#user-edit h1")
    drivers = httpx.get(
        f"{seed.base_url}/api/v1/drivers",
        params={"q": "Carla"},
        headers={"Authorization": f"Bearer {seed.manager_token}"},
    ).json()["items"]
    assert [(d["license_number"], d["license_category"]) for d in drivers] == [("55544433322", "C")]

    phone = browser.new_context(
        locale="en-US", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone.set_default_timeout(30_000)
    carla = PanelPage(phone.new_page(), seed.base_url)
    try:
        carla.login("carla@example.com", temporary)
        carla.page.wait_for_selector("#password-form")  # asked to change it first
        carla.page.fill("#password-form input[name=current_password]", temporary)
        carla.page.fill("#password-form input[name=new_password]", "carla drives carefully")
        carla.page.fill("#password-form input[name=repeat]", "carla drives carefully")
        carla.page.click("#password-form button[type=submit]")
        carla.page.wait_for_selector("#nav >> text=My trips")
        carla.open(f"/vehicles/{seed.available_id}")
        carla.page.fill("#checkout-form input[name=start_odometer_km]", "12010")
        carla.page.click("#checkout-form button[type=submit]")
        carla.page.wait_for_selector(".notice.info >> text=Vehicle checked out. Drive safely!")
        carla.screenshot("21-new-driver-checked-out-phone")
        assert carla.csp_violations() == [] and carla.errors == []
    finally:
        phone.close()


def test_admin_deactivates_a_user_and_resets_a_password(panel, seed):
    page = panel.page
    panel.login("admin@example.com")
    page.wait_for_selector("#nav >> text=Users")
    panel.open("/users?role=driver")
    page.click("table.list >> text=João Pereira")
    page.wait_for_selector("#user-edit")
    page.click("#password-reset button[type=submit]")
    page.wait_for_selector("#password-reset .notice.info")
    page.uncheck("#user-edit input[name=is_active]")
    page.click("#user-edit button[type=submit]")
    page.wait_for_selector("#user-edit .notice.info >> text=Saved.")
    login = httpx.post(
        f"{seed.base_url}/api/v1/auth/login",
        data={"username": "joao@example.com", "password": TEST_PASSWORD},
    )
    assert login.status_code in (401, 403), login.text  # old password gone, account off
    panel.open("/users")
    row = page.locator("table.list tr", has_text="João Pereira")
    assert re.search(r"deactivated", row.inner_text())


def test_a_manager_has_no_users_screen(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-vehicles")
    assert page.locator("#nav >> text=Users").count() == 0
    panel.open("/users")
    page.wait_for_selector(".notice.error >> text=404")
