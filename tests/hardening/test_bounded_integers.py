"""Every integer a request can send (ids in paths, list filters, repeated `id=`, pages) is bounded
to what its column holds: out of range is a 422 with a detail, never a 500. The endpoints and
their parameters come from the app's own OpenAPI schema, so a new one is covered too."""

import pytest

from tests.conftest import auth

OUT_OF_RANGE = ["-1", "2147483648", "99999999999999999999"]


def _integer_parameters(app):
    """(method, path template, parameter, where) for every integer parameter of the API."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            if method == "head":
                continue  # the same route as its GET, without a body to read the detail from
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
                items = schema.get("items") or next(
                    (s.get("items") for s in schema.get("anyOf", []) if s.get("items")), None
                )
                if "integer" in types or (items and items.get("type") == "integer"):
                    found.append((method.upper(), path, parameter["name"], parameter["in"]))
    return found


def test_the_schema_lists_the_integer_parameters_of_every_list(app):
    names = {(path, name) for _, path, name, _ in _integer_parameters(app)}
    for path in (
        "/api/v1/vehicles",
        "/api/v1/trips",
        "/api/v1/photos",
        "/api/v1/drivers",
        "/api/v1/users",
    ):
        assert (path, "limit") in names and (path, "offset") in names
    assert ("/api/v1/vehicles", "id") in names
    assert ("/api/v1/trips", "vehicle_id") in names


def test_every_integer_parameter_out_of_range_is_422(app, client, admin):
    headers = auth(admin)
    checked = 0
    for method, path, name, where in _integer_parameters(app):
        for value in OUT_OF_RANGE:
            if name == "expires" and value == "2147483648":
                continue  # a signed link's Unix time, not a column: valid after 2038 too
            url = path
            params = {}
            for placeholder in [p for p in path.split("/") if p.startswith("{")]:
                url = url.replace(placeholder, value if placeholder[1:-1] == name else "1")
            if where == "query":
                params = {name: value}
            r = client.request(method, url, params=params, headers=headers, json={})
            assert r.status_code == 422, (method, path, name, value, r.text)
            assert r.json()["detail"], (method, path, name, value)
            checked += 1
    assert checked >= 60


@pytest.mark.parametrize(
    "field, value", [("vehicle_id", 2**31), ("driver_id", 2**31), ("vehicle_id", 0)]
)
def test_ids_in_a_check_out_body_out_of_range_are_422(client, admin, field, value):
    body = {"vehicle_id": 1, "start_odometer_km": 0, "driver_id": 1, field: value}
    r = client.post("/api/v1/trips", json=body, headers=auth(admin))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", field]


def test_a_photo_form_with_an_out_of_range_vehicle_id_is_422(client, admin):
    r = client.post(
        "/api/v1/photos",
        headers=auth(admin),
        data={"vehicle_id": str(2**31), "kind": "damage"},
        files={"file": ("a.jpg", b"\xff\xd8\xff" + b"\0" * 100, "image/jpeg")},
    )
    assert r.status_code == 422, r.text
