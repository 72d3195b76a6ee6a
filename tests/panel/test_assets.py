"""The panel's files: served by the API, index revalidated, versioned assets cached for a year."""

import re

from api.panel.router import panel_assets


def test_panel_without_slash_redirects(client):
    response = client.get("/panel", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/panel/"


def test_index_is_never_cached_and_links_versioned_assets(client):
    response = client.get("/panel/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    version = panel_assets().version
    assert f'src="assets/{version}/js/app.js"' in response.text
    assert "__ASSETS__" not in response.text


def test_index_revalidation_answers_304(client):
    etag = client.get("/panel/").headers["etag"]
    response = client.get("/panel/", headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_versioned_asset_is_immutable(client):
    version = panel_assets().version
    response = client.get(f"/panel/assets/{version}/js/app.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_stale_version_and_unknown_files_are_404(client):
    version = panel_assets().version
    assert client.get("/panel/assets/0000000000000000/js/app.js").status_code == 404
    assert client.get(f"/panel/assets/{version}/js/nope.js").status_code == 404
    assert client.get(f"/panel/assets/{version}/../router.py").status_code == 404
    assert client.get(f"/panel/assets/{version}/index.html").status_code == 404


def test_panel_has_no_inline_script_or_style():
    """It must run under a CSP of `default-src 'self'`: code and styles only in files."""
    index = panel_assets().index_html.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", index)
    assert "<style" not in index and "style=" not in index
    for path in panel_assets().files.values():
        if path.suffix == ".js":
            text = path.read_text()
            assert "innerHTML" not in text and "eval(" not in text, path
            assert "setAttribute('style'" not in text, path
