"""`GET /vehicles?id=…&id=…`: the panel fetches the plates of a page of trips in one request."""

from tests.conftest import auth


def test_list_vehicles_filtered_by_repeated_id(client, make, manager):
    first, _, third = make.vehicle(), make.vehicle(), make.vehicle()
    response = client.get(
        "/api/v1/vehicles", params=[("id", third.id), ("id", first.id)], headers=auth(manager)
    )
    assert response.status_code == 200
    body = response.json()
    assert [v["id"] for v in body["items"]] == [first.id, third.id]
    assert body["total"] == 2


def test_list_vehicles_refuses_more_than_200_ids(client, manager):
    params = [("id", n) for n in range(1, 202)]
    response = client.get("/api/v1/vehicles", params=params, headers=auth(manager))
    assert response.status_code == 422
