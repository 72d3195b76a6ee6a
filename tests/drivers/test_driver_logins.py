"""`GET /drivers/logins`: managers, who cannot list users, pick the login to link to a driver."""

from tests.conftest import auth


def test_manager_lists_active_driver_logins_with_their_link(client, make, manager):
    linked_user, linked_driver = make.driver_login()
    free = make.user("driver", name="Zeca Livre")
    make.user("driver", is_active=False)
    make.user("manager")
    response = client.get("/api/v1/drivers/logins", headers=auth(manager))
    assert response.status_code == 200
    items = {item["id"]: item for item in response.json()["items"]}
    assert set(items) == {linked_user.id, free.id}
    assert items[linked_user.id]["driver_id"] == linked_driver.id
    assert items[free.id] == {
        "id": free.id,
        "email": free.email,
        "name": "Zeca Livre",
        "driver_id": None,
    }


def test_unlinked_logins_and_search(client, make, manager):
    linked_user, _ = make.driver_login()
    free = make.user("driver", name="Zeca Livre")
    unlinked = client.get(
        "/api/v1/drivers/logins", params={"unlinked": True}, headers=auth(manager)
    ).json()
    assert [item["id"] for item in unlinked["items"]] == [free.id]
    found = client.get(
        "/api/v1/drivers/logins", params={"q": linked_user.email}, headers=auth(manager)
    ).json()
    assert [item["id"] for item in found["items"]] == [linked_user.id]
    by_id = client.get(
        "/api/v1/drivers/logins", params={"id": free.id}, headers=auth(manager)
    ).json()
    assert [item["id"] for item in by_id["items"]] == [free.id]


def test_drivers_cannot_list_driver_logins(client, make):
    user, _ = make.driver_login()
    assert client.get("/api/v1/drivers/logins", headers=auth(user)).status_code == 403
