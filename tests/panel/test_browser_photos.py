"""The photos page (filters by plate, kind and date, the lightbox) and a manager's upload on a
vehicle's page, in the real browser."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.panel.conftest import image_rendered, jpeg_bytes

pytestmark = pytest.mark.usefixtures("committed")


def test_manager_finds_photos_by_plate_kind_and_date(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-vehicles")
    page.click("#nav >> text=Photos")
    page.wait_for_selector("#photos-page .gallery img")
    page.fill("#photo-filters input[name=plate]", "abc-1d23")
    page.select_option("#photo-filters select[name=kind]", "exterior")
    page.click("#photo-filters button[type=submit]")
    page.wait_for_url("**/panel/#/photos?plate=ABC1D23&kind=exterior*")
    # The filtered list replaces the unfiltered one: wait for it rather than count what is there.
    expect(page.locator("#photos-page .gallery li")).to_have_count(1)
    page.click("#photos-page .thumb-button")
    page.wait_for_selector("#lightbox[open] img.full")
    image_rendered(page, "#lightbox img.full")
    # No EXIF time in this photo: the time shown is the upload's, and says so.
    bar = page.inner_text("#lightbox .lightbox-bar")
    assert "Uploaded" in bar and "Taken" not in bar
    page.click("#lightbox >> text=Close")
    page.select_option("#photo-filters select[name=kind]", "damage")
    page.click("#photo-filters button[type=submit]")
    page.wait_for_selector("#photos-page >> text=No photos.")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    panel.open(f"/photos?to={yesterday}")
    page.wait_for_selector("#photos-page >> text=No photos.")
    panel.open("/photos?plate=ZZZ9Z99")
    page.wait_for_selector(".notice.error >> text=No vehicle with plate ZZZ9Z99")


def test_manager_uploads_a_photo_on_a_vehicles_page(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-vehicles")
    panel.open(f"/vehicles/{seed.other_id}")
    page.wait_for_selector("text=No photos.")
    page.set_input_files(
        "#upload-form input[name=file]",
        {"name": "damage.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()},
    )
    page.select_option("#upload-form select[name=kind]", "damage")
    # The panel sends photos with tus (tus-js-client, vendored): the bad hotel Wi-Fi drops the
    # first PATCH; the client asks the offset (HEAD) and sends again, and one photo is stored.
    requests: list[str] = []
    page.on("request", lambda r: "/api/v1/uploads" in r.url and requests.append(r.method))
    dropped = []

    def drop_first_patch(route):
        if route.request.method == "PATCH" and not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/uploads/*", drop_first_patch)
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-form .notice.info >> text=Photo uploaded.")
    expect(page.locator(".gallery li")).to_have_count(1)
    assert dropped and requests[0] == "POST" and "HEAD" in requests
    assert requests.count("POST") == 1 and requests.count("PATCH") >= 2
    page.unroute("**/api/v1/uploads/*")
