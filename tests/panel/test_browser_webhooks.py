"""The admins' Webhooks screen in a real Chromium: a new endpoint's secret shown once with a
copy button, an event's delivery with its failed attempt (the worker's own dispatch and send,
to an address that answers nothing), and a retry queued from the screen."""

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("committed")


@pytest.mark.browser_context(locale="en-US")
def test_an_admin_adds_a_webhook_sees_its_secret_once_and_retries_a_delivery(panel, seed):
    from api.config import get_settings
    from api.db import get_sessionmaker
    from api.jobs import dispatch
    from api.webhooks.service import send_due

    page = panel.page
    panel.login("admin@example.com")
    page.wait_for_selector("#nav >> text=Webhooks")
    page.click("#nav >> text=Webhooks")
    page.click("text=New webhook")
    form = "#webhook-form"
    # A public address with no server behind it here: every attempt fails, fast.
    page.fill(f"{form} input[name=url]", "http://1.1.1.1:9/frota")
    page.fill(f"{form} input[name=description]", "ERP")
    page.check(f"{form} input[name='event:defect.opened']")
    page.click(f"{form} button[type=submit]")
    secret = page.wait_for_selector("#webhook-secret").input_value()
    assert secret.startswith("whsec_")
    assert page.is_visible("#webhook-copy")
    panel.screenshot("45-webhook-secret-once")

    r = httpx.post(
        f"{seed.base_url}/api/v1/defects",
        json={"vehicle_id": seed.other_id, "description": "Retrovisor solto"},
        headers={"Authorization": f"Bearer {seed.manager_token}"},
    )
    assert r.status_code == 201, r.text
    with get_sessionmaker()() as session:
        while dispatch(session, get_settings()):
            pass
    send_due(get_settings(), timeout=1)

    page.reload()  # the detail page again, now without the secret
    page.wait_for_selector("h2 >> text=Deliveries")
    assert not page.is_visible("#webhook-secret")
    row = page.locator("table.list tbody tr", has_text="defect.opened")
    row.wait_for()
    text = row.inner_text()
    assert "failed" in text or "pending" in text, text
    assert page.locator("ol.attempts li").count() == 1
    page.click("button[id^=retry-]")
    page.wait_for_selector("#webhook-status .notice.info >> text=Delivery queued again.")
    assert not panel.errors, panel.errors
