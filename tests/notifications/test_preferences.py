"""`/users/me/notifications` and an admin's `/users/{id}/notifications`: the defaults with no
row, a change, push URLs write-only (masked when read, secret in the audit log), and refusals
with their reason (422), never a 500."""

import pytest

from api.config import get_settings
from tests.conftest import assert_never_500, auth

ME = "/api/v1/users/me/notifications"
PUSHOVER = "pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi"
DEFAULTS = {
    "email": True,
    "immediate": True,
    "digest_hour": 7,
    "language": "pt-BR",
    "push_urls": [],
}


def test_someone_who_set_nothing_reads_the_defaults(client, headers_as):
    for role in ("admin", "manager", "driver"):
        r = client.get(ME, headers=headers_as(role))
        assert r.status_code == 200, r.text
        assert r.json() == DEFAULTS


def test_a_change_is_kept_and_push_urls_read_back_masked(client, manager):
    h = auth(manager)
    r = client.patch(
        ME,
        json={"digest_hour": 18, "language": "en", "push_urls": ["ntfy://frota-alerts", PUSHOVER]},
        headers=h,
    )
    assert r.status_code == 200, r.text
    expected = {**DEFAULTS, "digest_hour": 18, "language": "en"}
    expected["push_urls"] = ["ntfy://…/…", "pover://…/…"]
    assert r.json() == expected
    assert client.get(ME, headers=h).json() == expected
    # Only what is sent changes; the masked URLs sent back keep the real ones.
    r = client.patch(ME, json={"immediate": False, "push_urls": expected["push_urls"]}, headers=h)
    assert r.json() == {**expected, "immediate": False}
    assert "frota-alerts" not in r.text and "uQiRzpo4" not in r.text


def test_push_urls_are_secret_in_the_audit_log(client, admin, manager):
    client.patch(ME, json={"push_urls": [PUSHOVER]}, headers=auth(manager))
    r = client.get(
        "/api/v1/audit", params={"entity": "notification_preferences"}, headers=auth(admin)
    )
    assert r.status_code == 200, r.text
    (entry,) = r.json()["items"]
    assert entry["changes"]["push_urls"] == [None, "[secret]"]
    assert "uQiRzpo4" not in r.text


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"digest_hour": 24}, "digest_hour"),
        ({"digest_hour": -1}, "digest_hour"),
        ({"language": "fr"}, "language"),
        ({"email": None}, "email cannot be null"),
        ({"push_urls": ["https://example.com/not-apprise"]}, "push_urls[0]: not a push URL"),
        ({"push_urls": ["json://127.0.0.1:9/hook"]}, "push_urls[0]: 127.0.0.1"),
        ({"push_urls": ["ntfy://a", "ntfy://a"]}, "the same URL twice"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_preferences_are_422_with_the_reason(client, manager, body, detail):
    r = client.patch(ME, json=body, headers=auth(manager))
    assert r.status_code == 422, r.text
    assert detail in str(r.json()["detail"])


def test_a_private_push_url_is_accepted_when_allowed(app, client, manager):
    allowed = get_settings().model_copy(update={"webhook_allow_private": True})
    app.dependency_overrides[get_settings] = lambda: allowed
    try:
        r = client.patch(ME, json={"push_urls": ["json://127.0.0.1:9/hook"]}, headers=auth(manager))
    finally:
        app.dependency_overrides.pop(get_settings)
    assert r.status_code == 200, r.text
    assert r.json()["push_urls"] == ["json://…/…"]


def test_no_field_is_a_500(client, manager):
    for field in DEFAULTS:
        assert_never_500(client, "PATCH", ME, {}, field, auth(manager))


def test_an_admin_reads_and_sets_anyones_and_nobody_else_does(client, admin, make, headers_as):
    user, _driver = make.driver_login()
    url = f"/api/v1/users/{user.id}/notifications"
    r = client.patch(url, json={"email": False}, headers=auth(admin))
    assert r.status_code == 200, r.text
    assert client.get(url, headers=auth(admin)).json() == {**DEFAULTS, "email": False}
    assert client.get(ME, headers=auth(user)).json()["email"] is False
    for role, expected in (("manager", 403), ("driver", 403), ("anonymous", 401)):
        assert client.get(url, headers=headers_as(role)).status_code == expected, role
        assert client.patch(url, json={}, headers=headers_as(role)).status_code == expected, role
    assert client.get("/api/v1/users/999999/notifications", headers=auth(admin)).status_code == 404
    assert client.get(ME, headers={}).status_code == 401
