from tests.conftest import TEST_PASSWORD, auth


def test_health_get_and_head(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.head("/health").status_code == 200


def test_login_and_me(client, manager):
    r = client.post(
        "/api/v1/auth/login", data={"username": manager.email, "password": TEST_PASSWORD}
    )
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == manager.email


def test_vehicle_create(client, manager):
    r = client.post(
        "/api/v1/vehicles",
        json={"plate": "abc-1d23", "make": "Fiat", "model": "Uno", "year": 2020},
        headers=auth(manager),
    )
    assert r.status_code == 201, r.text
    assert r.json()["plate"] == "ABC1D23"
