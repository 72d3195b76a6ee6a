"""`GET /drivers?id=…&id=…`: the panel fetches the names of a page of trips' drivers at once."""

from tests.conftest import auth


def test_list_drivers_filtered_by_repeated_id(client, make, manager):
    first, second, _ = make.driver(), make.driver(), make.driver()
    response = client.get(
        "/api/v1/drivers", params=[("id", second.id), ("id", first.id)], headers=auth(manager)
    )
    assert response.status_code == 200
    assert [d["id"] for d in response.json()["items"]] == [first.id, second.id]


def test_drivers_cannot_list_drivers_by_id(client, make):
    user, driver = make.driver_login()
    response = client.get("/api/v1/drivers", params={"id": driver.id}, headers=auth(user))
    assert response.status_code == 403
