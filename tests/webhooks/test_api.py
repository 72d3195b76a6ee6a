"""`/webhooks` (admins): the SSRF guard, the secret shown once, tests, retries, deletion."""

import base64

import pytest
from sqlalchemy import text

from tests.conftest import auth
from tests.webhooks.conftest import create_webhook, deliveries, dispatch, open_defect, send

PUBLIC = "https://93.184.215.14/hook"  # a public address: nothing is sent to it in these tests


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost/",
        "http://[::1]:8080/",
        "http://192.168.0.10/hook",
    ],
)
def test_a_url_to_a_private_address_is_422_and_patching_to_one_too(client, admin, url):
    r = client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["defect.opened"]}, headers=auth(admin)
    )
    assert r.status_code == 422, r.text
    assert "WEBHOOK_ALLOW_PRIVATE" in r.json()["detail"]
    hook = create_webhook(client, admin, PUBLIC)
    r = client.patch(f"/api/v1/webhooks/{hook['id']}", json={"url": url}, headers=auth(admin))
    assert r.status_code == 422 and "WEBHOOK_ALLOW_PRIVATE" in r.json()["detail"]
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=auth(admin)).json()["url"] == PUBLIC


@pytest.mark.parametrize(
    "body",
    [
        {"url": PUBLIC, "events": []},
        {"url": PUBLIC, "events": ["defect.exploded"]},
        {"url": PUBLIC, "events": ["webhook.test"]},
        {"url": "ftp://93.184.215.14/", "events": ["defect.opened"]},
        {"url": "not a url", "events": ["defect.opened"]},
        {"url": PUBLIC},
        {"url": PUBLIC, "events": ["defect.opened"], "secret": "whsec_mine"},
        {"url": PUBLIC, "events": ["defect.opened"], "description": "x" * 201},
    ],
)
def test_bad_input_is_422_with_a_detail(client, admin, body):
    r = client.post("/api/v1/webhooks", json=body, headers=auth(admin))
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_the_secret_is_shown_only_when_made_and_rotating_changes_the_signing_key(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url, events=["defect.opened", "defect.opened"])
    assert hook["events"] == ["defect.opened"]
    assert set(hook) == {
        "id", "url", "events", "active", "description", "disabled_reason", "created_at", "secret",
    }  # fmt: skip
    secret = hook["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    shown = client.get(f"/api/v1/webhooks/{hook['id']}", headers=auth(admin)).json()
    listed = client.get("/api/v1/webhooks", headers=auth(admin)).json()["items"]
    assert "secret" not in shown and all("secret" not in h for h in listed)
    patched = client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"description": "ERP"}, headers=auth(admin)
    ).json()
    assert "secret" not in patched and patched["description"] == "ERP"
    audit = client.get("/api/v1/audit?entity=webhook_endpoint", headers=auth(admin)).json()
    assert audit["items"] and secret not in str(audit)

    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=auth(admin))
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != secret

    receiver.secret = secret  # the receiver still has the old one
    open_defect(client, make)
    dispatch()
    send()
    assert receiver.received[-1].verified is False
    receiver.secret = new_secret
    receiver.script = [200]
    open_defect(client, make)
    dispatch()
    send()
    assert receiver.received[-1].verified is True


def test_the_test_event_goes_to_that_endpoint_only(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url)
    every = [
        "defect.opened", "defect.resolved", "vehicle.grounded", "vehicle.released", "fine.created",
        "fine.driver_named", "due.soon", "due.overdue", "trip.started", "trip.finished",
        "photo.created", "fuel_entry.created", "service_record.created",
    ]  # fmt: skip
    other = create_webhook(client, admin, receiver.url + "/other", events=every)
    assert other["events"] == every
    receiver.secret = hook["secret"]
    r = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=auth(admin))
    assert r.status_code == 202, r.text
    queued = r.json()
    assert queued["type"] == "webhook.test" and queued["status"] == "pending"
    assert queued["attempts"] == []
    assert dispatch() == 0  # the test event is for this endpoint only
    assert send() == 1
    (got,) = receiver.received
    assert got.path == "/hook" and got.verified and got.json["type"] == "webhook.test"
    assert got.json["data"]["webhook_id"] == hook["id"]


def test_retrying_a_delivery(client, make, admin, engine, receiver, allow_private):
    hook = create_webhook(client, admin, receiver.url)
    receiver.secret = hook["secret"]
    receiver.script = [500]
    open_defect(client, make)
    dispatch()
    send()
    (delivery,) = deliveries(engine)
    url = f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/retry"
    assert send() == 0  # waiting 5 s for its next attempt
    r = client.post(url, headers=auth(admin))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and len(r.json()["attempts"]) == 1
    assert send() == 1
    assert deliveries(engine)[0]["status"] == "delivered"
    r = client.post(url, headers=auth(admin))
    assert r.status_code == 409 and "delivered already" in r.json()["detail"]

    # dead → pending
    with engine.begin() as connection:
        connection.execute(text("UPDATE webhook_deliveries SET status = 'dead'"))
    assert client.post(url, headers=auth(admin)).json()["status"] == "pending"
    # of a disabled endpoint: turn it on first
    client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}, headers=auth(admin))
    r = client.post(url, headers=auth(admin))
    assert r.status_code == 409 and "PATCH active=true" in r.json()["detail"]
    r = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/999999/retry", headers=auth(admin))
    assert r.status_code == 404
    r = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/0/retry", headers=auth(admin))
    assert r.status_code == 422


def test_deleting_an_endpoint_removes_its_deliveries_not_the_events(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url)
    open_defect(client, make)
    dispatch()
    assert len(deliveries(engine)) == 1
    r = client.delete(f"/api/v1/webhooks/{hook['id']}", headers=auth(admin))
    assert r.status_code == 204
    assert deliveries(engine) == []
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=auth(admin)).status_code == 404
    r = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=auth(admin))
    assert r.status_code == 404
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() >= 1


def test_the_deliveries_list_pages_and_filters_by_status(
    client, make, admin, engine, receiver, allow_private
):
    hook = create_webhook(client, admin, receiver.url)
    for _ in range(3):
        open_defect(client, make)
    dispatch()
    receiver.secret = hook["secret"]
    send(limit=1)
    base = f"/api/v1/webhooks/{hook['id']}/deliveries"
    page = client.get(base + "?limit=2", headers=auth(admin)).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["next"]
    ids = [d["id"] for d in page["items"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    pending = client.get(base + "?status=pending", headers=auth(admin)).json()
    assert pending["total"] == 2
    delivered = client.get(base + "?status=delivered", headers=auth(admin)).json()
    assert delivered["total"] == 1 and delivered["items"][0]["attempts"][0]["status_code"] == 200


@pytest.mark.parametrize("role", ["manager", "driver"])
def test_managers_and_drivers_may_not_touch_webhooks(client, admin, headers_as, role):
    hook = create_webhook(client, admin, PUBLIC)
    headers = headers_as(role)
    base = f"/api/v1/webhooks/{hook['id']}"
    for method, url in [
        ("GET", "/api/v1/webhooks"),
        ("POST", "/api/v1/webhooks"),
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("POST", base + "/rotate-secret"),
        ("POST", base + "/test"),
        ("GET", base + "/deliveries"),
        ("POST", base + "/deliveries/1/retry"),
        ("GET", "/api/v1/webhooks/999999"),  # not a 404: the role is checked first
    ]:
        body = {"url": PUBLIC, "events": ["defect.opened"]} if method in ("POST", "PATCH") else None
        r = client.request(method, url, headers=headers, json=body)
        assert r.status_code == 403, (role, method, url, r.text)
    assert client.get(base, headers=auth(admin)).json()["active"] is True
