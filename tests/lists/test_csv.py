"""`?format=csv` on every list: the JSON's filters and order, every row, read back with Python's
`csv` as a spreadsheet would (UTF-8 with a BOM, names with accents, commas and quotes)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.conftest import auth
from tests.photos.conftest import sideways_jpeg, upload, upload_dir  # noqa: F401

TRICKY = 'João "Joca" Conceição, Jr.'


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def all_json(client, url: str, headers) -> list[dict]:
    items, page = [], client.get(url, headers=headers).json()
    items += page["items"]
    while page["next"]:
        page = client.get(page["next"], headers=headers).json()
        items += page["items"]
    return items


def test_vehicles_csv_has_the_jsons_rows_order_and_filters(client, make, manager):
    h = auth(manager)
    make.vehicle(make="Citroën", model='C3 "Aircross", 1.6')
    for _ in range(60):  # more than a page: the CSV has every row, not the first 50
        make.vehicle()
    make.vehicle(status="maintenance", model="Ducato")
    rows = read_csv(client.get("/api/v1/vehicles?format=csv", headers=h))
    listed = all_json(client, "/api/v1/vehicles?limit=200", h)
    assert [int(r["id"]) for r in rows] == [v["id"] for v in listed]
    assert list(rows[0]) == ["id", "plate", "make", "model", "year", "odometer_km", "status"]
    assert rows[0]["make"] == "Citroën" and rows[0]["model"] == 'C3 "Aircross", 1.6'
    filtered = read_csv(client.get("/api/v1/vehicles?format=csv&status=maintenance", headers=h))
    assert [r["model"] for r in filtered] == ["Ducato"]
    # limit and offset are the page's, not the export's
    assert len(read_csv(client.get("/api/v1/vehicles?format=csv&limit=1", headers=h))) == 62


def test_drivers_and_trips_csv_write_dates_and_timestamps_as_iso_8601(client, make, manager):
    h = auth(manager)
    driver = make.driver(name=TRICKY, license_category="D")
    vehicle = make.vehicle()
    checked_out = client.post(
        "/api/v1/trips",
        json={"vehicle_id": vehicle.id, "driver_id": driver.id, "start_odometer_km": 10},
        headers=h,
    ).json()
    (row,) = read_csv(client.get("/api/v1/drivers?format=csv", headers=h))
    assert row["name"] == TRICKY
    assert row["license_expiry"] == driver.license_expiry.isoformat()
    assert row["user_id"] == ""  # null is an empty cell
    (trip,) = read_csv(client.get("/api/v1/trips?format=csv&state=open", headers=h))
    assert trip["started_at"] == checked_out["started_at"]
    assert datetime.fromisoformat(trip["started_at"]).tzinfo is not None
    assert trip["finished_at"] == "" and trip["start_odometer_km"] == "10"
    assert read_csv(client.get("/api/v1/trips?format=csv&state=finished", headers=h)) == []


def test_a_driver_gets_only_their_own_rows_in_csv(client, make):
    user, driver = make.driver_login()
    other = make.driver()
    for who in (driver, other):
        vehicle = make.vehicle()
        make.session.execute(
            text("INSERT INTO trips (vehicle_id, driver_id, start_odometer_km) VALUES (:v, :d, 0)"),
            {"v": vehicle.id, "d": who.id},
        )
    make.session.commit()
    rows = read_csv(client.get("/api/v1/trips?format=csv", headers=auth(user)))
    assert [int(r["driver_id"]) for r in rows] == [driver.id]
    assert client.get("/api/v1/drivers?format=csv", headers=auth(user)).status_code == 403


@pytest.mark.usefixtures("upload_dir")
def test_users_and_photos_csv(client, make, admin):
    h = auth(admin)
    rows = read_csv(client.get("/api/v1/users?format=csv", headers=h))
    assert [r["email"] for r in rows] == [admin.email]
    assert rows[0]["is_active"] == "true"
    vehicle = make.vehicle()
    photo = upload(client, admin, sideways_jpeg(size=(800, 600)), vehicle_id=vehicle.id).json()
    (row,) = read_csv(client.get(f"/api/v1/photos?format=csv&vehicle_id={vehicle.id}", headers=h))
    assert row["sha256"] == photo["sha256"] and row["legal_hold"] == "false"
    assert float(row["latitude"]) == pytest.approx(photo["latitude"])
    # Signed links expire in minutes: a spreadsheet gets the photo's id, not a link.
    assert "url" not in row and "thumbnail_url" not in row


def test_an_unknown_format_is_422(client, manager):
    response = client.get("/api/v1/vehicles?format=xlsx", headers=auth(manager))
    assert response.status_code == 422
    assert "format" in response.json()["message"]


@pytest.mark.parametrize("rows", [100_000])
def test_a_100000_row_export_is_whole_and_in_order(client, make, manager, rows):
    """Bigger than the spool's memory part (1 MB): it goes through the disk, every row intact."""
    started = datetime.now(UTC) - timedelta(days=1)
    make.session.execute(
        text(
            "INSERT INTO vehicles (plate, make, model, year) "
            "SELECT 'AAA' || lpad(n::text, 4, '0'), 'Fiat', 'Ação, \"x\"', 2020 "
            "FROM generate_series(0, 9999) n"
        )
    )
    make.session.execute(
        text(
            "INSERT INTO drivers (name, license_number, license_category, license_expiry) "
            "VALUES ('Zé', '00000000001', 'B', '2030-01-01')"
        )
    )
    # 100,000 finished trips over the 10,000 vehicles, one driver.
    make.session.execute(
        text(
            "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km, end_odometer_km, "
            "started_at, finished_at) "
            "SELECT v.id, d.id, n, n + 5, :t + n * interval '1 second', "
            ":t + n * interval '1 second' + interval '1 minute' "
            "FROM generate_series(0, :rows - 1) n "
            "JOIN vehicles v ON v.plate = 'AAA' || lpad((n % 10000)::text, 4, '0') "
            "CROSS JOIN drivers d"
        ),
        {"t": started, "rows": rows},
    )
    make.session.commit()
    response = client.get("/api/v1/trips?format=csv", headers=auth(manager))
    assert len(response.content) > 1 << 20
    exported = read_csv(response)
    assert len(exported) == rows
    assert [int(r["start_odometer_km"]) for r in exported[:3]] == [rows - 1, rows - 2, rows - 3]
    assert int(exported[-1]["end_odometer_km"]) == 5
    vehicles = read_csv(client.get("/api/v1/vehicles?format=csv&q=AAA", headers=auth(manager)))
    assert len(vehicles) == 10_000 and vehicles[0]["model"] == 'Ação, "x"'
