"""The panel in a real headless Chromium: logging in and out, expired tokens, password
changes, and what a driver on a phone may see and do."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.usefixtures("committed")


@pytest.mark.browser_context(
    locale="pt-BR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
)
def test_driver_sees_only_what_a_driver_may_in_portuguese_on_a_phone(panel, seed):
    page = panel.page
    panel.open("/")
    assert page.inner_text("#login-form h1") == "Entrar no Frota"
    assert page.get_attribute("html", "lang") == "pt-BR"
    panel.login("ana@example.com")
    page.wait_for_selector("#my-open-trip >> text=BRA2E19")
    nav = page.inner_text("#nav")
    assert "Minhas viagens" in nav and "Veículos" in nav and "Motoristas" not in nav
    panel.screenshot("06-driver-home-phone")
    page.click("#nav >> text=Minhas viagens")
    page.wait_for_selector("table.list >> text=BRA2E19")
    trips = page.inner_text("table.list")
    assert "QWE4567" not in trips
    panel.screenshot("07-driver-trips-phone")
    page.click("#nav >> text=Veículos")
    page.wait_for_selector("table.list >> text=QWE4567")
    assert page.locator("text=Novo veículo").count() == 0
    panel.open(f"/vehicles/{seed.available_id}")
    page.wait_for_selector("#checkout-form")
    assert page.locator("text=Editar").count() == 0 and page.locator("text=Dar baixa").count() == 0
    panel.open(f"/trips/{seed.bruno_trip_id}")
    notice = page.wait_for_selector(".notice.error").inner_text()
    assert f"Trip {seed.bruno_trip_id} not found" in notice
    panel.open("/drivers")
    page.wait_for_selector(".notice.error >> text=404")


def test_expired_token_sends_the_user_back_to_login_with_a_message(panel, seed):
    from api.config import get_settings
    from api.security import create_access_token

    page = panel.page
    panel.open("/")
    page.wait_for_selector("#login-form")
    expired = create_access_token(
        user_id=1, settings=get_settings(), now=datetime.now(UTC) - timedelta(days=3)
    )
    page.evaluate("(token) => sessionStorage.setItem('frota.token', token)", expired)
    panel.open("/vehicles")
    notice = page.wait_for_selector("#login-form .notice.error")
    assert "Your session has expired" in notice.inner_text()
    assert page.evaluate("sessionStorage.getItem('frota.token')") is None
    panel.screenshot("08-session-expired")


def test_must_change_password_shows_the_change_form_first(panel, seed):
    page = panel.page
    panel.login("novo@example.com")
    page.wait_for_selector("#password-form")
    assert page.locator("#nav a").count() == 0
    page.fill("#password-form input[name=current_password]", TEST_PASSWORD)
    page.fill("#password-form input[name=new_password]", "a brand new password")
    page.fill("#password-form input[name=repeat]", "a brand new password")
    panel.screenshot("09-must-change-password")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#dash-vehicles")


def test_logout_forgets_the_token(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-vehicles")
    panel.open("/vehicles")
    page.wait_for_selector("table.list >> text=ABC1D23")
    page.click("#logout")
    notice = page.wait_for_selector("#login-form .notice.info")
    assert "logged out" in notice.inner_text()
    assert page.evaluate("sessionStorage.getItem('frota.token')") is None


def test_driver_checks_the_vehicle_in_and_out_again(panel, seed):
    page = panel.page
    panel.login("ana@example.com")
    page.wait_for_selector("#my-open-trip >> text=BRA2E19")
    panel.open(f"/trips/{seed.ana_trip_id}")
    page.fill("#checkin-form input[name=end_odometer_km]", "30620")
    page.click("#checkin-form button[type=submit]")
    page.wait_for_selector(".notice.info >> text=Vehicle checked in.")
    assert "120 km" in page.inner_text(".facts")
    panel.open(f"/vehicles/{seed.in_use_id}")
    page.fill("#checkout-form input[name=start_odometer_km]", "30620")
    page.click("#checkout-form button[type=submit]")
    page.wait_for_selector(".notice.info >> text=Vehicle checked out. Drive safely!")
    page.wait_for_selector("#upload-form")


def test_panel_runs_under_a_strict_content_security_policy(panel, seed):
    """The fixture serves the page with `default-src 'self'`: an inline script is refused."""
    page = panel.page
    panel.open("/")
    page.wait_for_selector("#login-form")
    page.evaluate(
        "document.body.append(Object.assign(document.createElement('script'),"
        " {textContent: 'window.inlineRan = true'}))"
    )
    assert page.evaluate("window.inlineRan") is None
    assert panel.csp_violations(), "the inline script should have been refused"
    panel.errors.clear()  # the refusal was the point; the fixture checks for any other
