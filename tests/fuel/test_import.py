"""`POST /fuel-entries/import`: a spreadsheet's CSV checked whole first, every bad line named,
nothing written when one is wrong; `?dry_run=true` checks and writes nothing."""

import csv
import io

import pytest

from tests.conftest import auth

URL = "/api/v1/fuel-entries"


def send(client, user, content: str | bytes, dry_run: bool = False):
    data = content.encode() if isinstance(content, str) else content
    query = "?dry_run=true" if dry_run else ""
    return client.post(
        f"{URL}/import{query}",
        files={"file": ("fuel.csv", data, "text/csv")},
        headers=auth(user),
    )


def a_month(plate: str) -> str:
    """What a manager's export looks like: a header row and the JSON fields, `plate` first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "plate",
            "filled_at",
            "odometer_km",
            "liters",
            "price_per_liter",
            "fuel_type",
            "full_tank",
            "station",
        ]
    )
    for day, km, liters in ((1, 10_000, 40), (8, 10_480, 40), (15, 10_900, 35), (22, 11_320, 35)):
        writer.writerow(
            [
                plate,
                f"2026-11-{day:02d}T08:00:00-03:00",
                km,
                liters,
                "5.89",
                "gasoline",
                "true",
                'Posto "Boa Viagem", km 12',
            ]
        )
    return out.getvalue()


def entries(client, user, vehicle_id):
    return client.get(f"{URL}?vehicle_id={vehicle_id}", headers=auth(user)).json()["items"]


def test_a_month_of_fuel_imports_and_chains(client, manager, make):
    car = make.vehicle(plate="BRA2E19", odometer_km=9_000)
    dry = send(client, manager, a_month("bra-2e19"), dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json() == {"dry_run": True, "checked": 4, "created": 0}
    assert entries(client, manager, car.id) == []
    done = send(client, manager, a_month("BRA2E19"))
    assert done.json() == {"dry_run": False, "checked": 4, "created": 4}
    listed = entries(client, manager, car.id)
    assert [e["km_per_liter"] for e in listed] == [12.0, 12.0, 12.0, None]
    assert listed[0]["station"] == 'Posto "Boa Viagem", km 12'
    assert listed[0]["total_price"] == 206.15
    assert (
        client.get(f"/api/v1/vehicles/{car.id}", headers=auth(manager)).json()["odometer_km"]
        == 11_320
    )


def test_one_bad_line_and_nothing_is_written_every_bad_line_named(client, manager, make):
    car = make.vehicle(plate="ABC1234")
    content = (
        "plate,filled_at,odometer_km,liters,total_price,fuel_type\n"
        "ABC1234,2026-11-01,1000,40,240,diesel\n"
        "XYZ9999,2026-11-02,1100,40,240,diesel\n"  # line 3: no such vehicle
        "ABC1234,2026-11-03,1200,-4,240,diesel\n"  # line 4: litres
        "ABC1234,2026-11-04,1300,40,240,kerosene\n"  # line 5: fuel type
        "ABC1234,2026-11-05,900,40,240,diesel\n"  # line 6: odometer goes back
        "ABC1234,yesterday,1400,40,240,diesel\n"  # line 7: date
        "ABC1234,2026-11-06,1.500,40,240,diesel\n"  # line 8: a reading is a whole number
    )
    r = send(client, manager, content)
    assert r.status_code == 422, r.text
    errors = r.json()["detail"]
    assert [e["line"] for e in errors] == [3, 4, 5, 7, 8]
    assert "'1.500' is not a whole number" in errors[4]["detail"]
    assert "XYZ9999: no such vehicle" in errors[0]["detail"]
    assert errors[1]["detail"].startswith("liters:")
    assert errors[2]["detail"].startswith("fuel_type:")
    assert "nothing was written" in r.json()["message"]
    assert entries(client, manager, car.id) == []
    # Once the shape of every row is right, the rules run in time order: the 900 km row (now on
    # line 3) goes back.
    fixed = "\n".join(
        line for n, line in enumerate(content.splitlines(), 1) if n not in (3, 4, 5, 7, 8)
    )
    r = send(client, manager, fixed)
    assert r.status_code == 422
    assert [e["line"] for e in r.json()["detail"]] == [3]
    assert "below 1000 km" in r.json()["detail"][0]["detail"]
    assert entries(client, manager, car.id) == []


def test_a_portuguese_excel_file(client, manager, make):
    """`;` between cells, decimal commas, DD/MM/YYYY, Windows-1252 accents."""
    car = make.vehicle(plate="ABC1D23")
    content = (
        "plate;filled_at;odometer_km;liters;price_per_liter;fuel_type;station\n"
        "ABC1D23;03/11/2026 07:45;1.000;42,5;5,79;ethanol;Posto São João\n"
    ).encode("cp1252")
    r = send(client, manager, content)
    assert r.status_code == 200, r.text
    (entry,) = entries(client, manager, car.id)
    assert entry["liters"] == 42.5 and entry["total_price"] == 246.08
    assert entry["odometer_km"] == 1000
    assert entry["station"] == "Posto São João"
    assert entry["filled_at"] == "2026-11-03T10:45:00Z"  # -03:00 when the file says nothing


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("", "empty"),
        ("plate,filled_at,odometer_km,fuel_type\n", "no rows"),
        ("plate,odometer_km,fuel_type,colour\nABC1234,1,diesel,red\n", "unknown columns colour"),
        ("plate,odometer_km\nABC1234,1\n", "missing columns filled_at, fuel_type"),
    ],
)
def test_a_file_that_is_not_an_import_is_422_on_line_1_or_2(client, manager, content, detail):
    r = send(client, manager, content)
    assert r.status_code == 422
    assert detail in r.json()["detail"][0]["detail"]


def test_a_file_over_1_mb_is_413(client, manager):
    r = send(client, manager, "plate,filled_at,odometer_km,fuel_type\n" + "x" * (1 << 20))
    assert r.status_code == 413 and r.json()["detail"]


def test_only_managers_import(client, make):
    driver, _ = make.driver_login()
    assert send(client, driver, a_month("ABC1234")).status_code == 403


def test_the_fuel_list_opens_as_a_spreadsheet(client, manager, make):
    """Exported as CSV: the numbers with a dot, the station with its quotes and comma."""
    car = make.vehicle(plate="CSV1A23", odometer_km=9_000)
    assert send(client, manager, a_month("CSV1A23")).status_code == 200
    r = client.get(f"{URL}?format=csv&vehicle_id={car.id}", headers=auth(manager))
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 4
    assert rows[0]["km_per_liter"] == "12.00" and rows[-1]["km_per_liter"] == ""
    assert rows[0]["liters"] == "35.000" and rows[0]["total_price"] == "206.15"
    assert rows[0]["station"] == 'Posto "Boa Viagem", km 12'
    assert rows[0]["full_tank"] == "true" and rows[0]["filled_at"] == "2026-11-22T11:00:00Z"


def test_a_file_of_more_than_2000_rows_is_refused_whole(client, manager, make):
    make.vehicle(plate="BIG1A23")
    rows = "".join(f"BIG1A23,2026-11-01,{n},1,5,diesel\n" for n in range(2001))
    r = send(client, manager, "plate,filled_at,odometer_km,liters,total_price,fuel_type\n" + rows)
    assert r.status_code == 422
    assert r.json()["detail"] == [{"line": 2002, "detail": "At most 2000 rows a file: split it"}]
