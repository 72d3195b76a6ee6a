"""The panel's "Notificações" screen in a real Chromium: the defaults, a change kept across a
reload (push URLs read back masked), a refused URL's reason, and "send me a test" saying why
nothing can be sent on a server with no SMTP."""

import pytest

pytestmark = pytest.mark.usefixtures("committed")


@pytest.mark.browser_context(locale="pt-BR")
def test_a_manager_sets_notifications_and_asks_for_a_test(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-vehicles")
    page.click("#nav >> text=Notificações")
    form = "#notify-form"
    page.wait_for_selector(f"{form} h1 >> text=Notificações")
    assert page.is_checked(f"{form} input[name=email]")
    assert page.is_checked(f"{form} input[name=immediate]")
    assert page.input_value(f"{form} select[name=digest_hour]") == "7"
    assert page.input_value(f"{form} select[name=language]") == "pt-BR"

    page.fill(f"{form} textarea[name=push_urls]", "https://example.com/not-apprise")
    page.click(f"{form} button[type=submit]")
    refused = page.wait_for_selector("#notify-status .notice.error").inner_text()
    assert "push_urls[0]" in refused and "Apprise" in refused

    page.uncheck(f"{form} input[name=immediate]")
    page.select_option(f"{form} select[name=digest_hour]", "18")
    page.select_option(f"{form} select[name=language]", "en")
    page.fill(f"{form} textarea[name=push_urls]", "ntfy://frota-panel-test")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#notify-status .notice.info >> text=Preferências salvas.")
    assert page.input_value(f"{form} textarea[name=push_urls]") == "ntfy://…/…"
    panel.screenshot("40-notifications")

    page.reload()
    page.wait_for_selector(form)
    assert not page.is_checked(f"{form} input[name=immediate]")
    assert page.input_value(f"{form} select[name=digest_hour]") == "18"
    assert page.input_value(f"{form} select[name=language]") == "en"
    assert page.input_value(f"{form} textarea[name=push_urls]") == "ntfy://…/…"

    # Saving again with the masked URL keeps the real one; then no push URL and no SMTP: 503.
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#notify-status .notice.info")
    page.fill(f"{form} textarea[name=push_urls]", "")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#notify-status .notice.info")
    page.click("#notify-test")
    failed = page.wait_for_selector("#notify-status .notice.error").inner_text()
    assert "SMTP_HOST is unset" in failed
    # The browser logs only the two refusals the test asked for (422, 503), no script error.
    assert [e for e in panel.errors if "422" not in e and "503" not in e] == []
