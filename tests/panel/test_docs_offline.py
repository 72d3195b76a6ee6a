"""`/docs` and `/redoc` in the real browser with the network cut off: every request that leaves
the server's own origin is refused, and the operations are still listed."""

import pytest


@pytest.fixture
def offline_page(browser, panel_server):
    context = browser.new_context()
    context.set_default_timeout(30_000)
    refused: list[str] = []

    def only_frota(route):
        if route.request.url.startswith(panel_server):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_frota)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, refused, errors
    context.close()


def test_swagger_ui_lists_the_operations_without_the_internet(offline_page, panel_server):
    page, refused, errors = offline_page
    page.goto(panel_server + "/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/vehicles" in p for p in paths)
    assert any("/api/v1/photos" in p for p in paths)
    assert len(paths) >= 25
    assert refused == [] and errors == []


def test_redoc_lists_the_operations_without_the_internet(offline_page, panel_server):
    page, refused, errors = offline_page
    page.goto(panel_server + "/redoc")
    page.wait_for_selector("text=Liveness for uptime monitors")
    page.get_by_role("menuitem", name="vehicles").click()  # the sidebar's tag opens
    page.wait_for_selector("text=List Vehicles")
    assert refused == [] and errors == []
