"""Costs and compliance in the real browser: a manager logs fuel and services, sees km/l and
cost per km, an oil change due by km and a CRLV due by date on the due page and in the calendar
feed, exports the fuel list as CSV; a driver logs fuel with a receipt from a phone."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.panel.conftest import jpeg_bytes

pytestmark = pytest.mark.usefixtures("committed")


def fill_up(page, vehicle_id: int, km: int, liters: str, price: str) -> None:
    page.goto(page.url.split("#")[0] + "#/fuel/new")
    page.wait_for_selector("#fuel-form select[name=vehicle_id]")
    page.select_option("#fuel-form select[name=vehicle_id]", str(vehicle_id))
    page.fill("#fuel-form input[name=odometer_km]", str(km))
    page.fill("#fuel-form input[name=liters]", liters)
    page.fill("#fuel-form input[name=price_per_liter]", price)
    page.click("#fuel-form button[type=submit]")
    page.wait_for_url("**/panel/#/fuel")


def test_manager_runs_costs_and_compliance(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-due table")
    # Bruno drives with a D licence and no toxicology exam on file: the first thing on the list.
    expect(page.locator("#dash-due")).to_contain_text("toxicology Bruno Lima")
    # An oil change every 1,000 km for ABC1D23 (at 12,000 km now).
    panel.open("/reminders/new")
    page.select_option("#reminder-form select[name=vehicle_ids]", [str(seed.available_id)])
    page.fill("#reminder-form input[name=title]", "Troca de óleo")
    page.fill("#reminder-form input[name=every_km]", "1000")
    page.click("#reminder-form button[type=submit]")
    page.wait_for_selector("#reminders >> text=Troca de óleo")
    # A month of fuel, and two services.
    fill_up(page, seed.available_id, 12_000, "40", "5.90")
    fill_up(page, seed.available_id, 12_480, "40", "6.00")
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    expect(page.locator("table.list tbody tr").first).to_contain_text("12")  # km/l 480 / 40
    for km, item, cost in ((12_500, "Filtro de ar", "45"), (12_600, "Palhetas", "60")):
        panel.open(f"/services/new?vehicle_id={seed.available_id}")
        page.wait_for_selector("#completes .check")
        page.uncheck("#completes input[type=checkbox]")  # the oil change is not done yet
        page.fill("#service-form input[name=odometer_km]", str(km))
        page.fill("#service-form input[name=item_name]", item)
        page.fill("#service-form input[name=item_cost]", cost)
        page.fill("#service-form input[name=labor_cost]", "30")
        page.click("#service-form button[type=submit]")
        page.wait_for_selector(f"#services >> text={km:,} km")
    expect(page.locator("#services tbody tr")).to_have_count(2)
    expect(page.locator("#reminders")).to_contain_text("Due soon")  # 400 km left
    # The due page: the oil change by km, the CRLV by the plate's date (within a year, so that
    # the test holds whatever the day it runs).
    panel.open("/due?within_days=365")
    expect(page.locator("table.list")).to_contain_text("Troca de óleo ABC1D23")
    expect(page.locator("table.list")).to_contain_text("CRLV ABC1D23")
    # The panel's server dates licensing by a state known only from 2020: an estimate, said so.
    crlv = page.locator("table.list tr", has_text="CRLV ABC1D23")
    expect(crlv.locator(".due-estimated")).to_have_text("Estimate (2020 calendar)")
    expect(
        page.locator("table.list tr", has_text="Troca de óleo").locator(".due-estimated")
    ).to_have_count(0)
    # The calendar feed: a URL a calendar app opens without a token of the panel's.
    page.click("#feed-new")
    url = page.input_value("#feed-url")
    feed = httpx.get(url + "&within_days=365")
    assert feed.status_code == 200, feed.text
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    assert {"Troca de óleo ABC1D23", "CRLV ABC1D23"} <= summaries
    # The fuel list as CSV, opened as a spreadsheet would.
    panel.open(f"/fuel?vehicle_id={seed.available_id}")
    with page.expect_download() as download:
        page.click("#fuel-csv")
    rows = list(
        csv.DictReader(
            io.StringIO(open(download.value.path(), encoding="utf-8-sig").read(), newline="")
        )
    )
    assert [row["odometer_km"] for row in rows] == ["12480", "12000"]
    assert rows[0]["km_per_liter"] == "12.00" and rows[0]["total_price"] == "240.00"
    # Costs: R$ 476 of fuel + R$ 165 of services over 600 km (12,000 → 12,600).
    panel.open("/costs?group_by=vehicle")
    page.wait_for_selector("#cost-chart[data-ready=true]")
    row = page.locator("table.list tbody tr", has_text="ABC1D23")
    expect(row).to_contain_text("R$")
    expect(row).to_contain_text("1.07")  # R$/km: 641 / 600
    assert page.evaluate("document.querySelector('#cost-chart').width") > 0


@pytest.mark.browser_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
def test_driver_logs_fuel_with_a_receipt_from_a_phone(panel, seed):
    page = panel.page
    panel.login("ana@example.com")
    page.click("#log-fuel")
    page.wait_for_selector("#fuel-form >> text=BRA2E19")
    page.set_input_files(
        "#fuel-form input[name=receipt]",
        {"name": "nota.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()},
    )
    page.fill("#fuel-form input[name=odometer_km]", "30600")
    page.fill("#fuel-form input[name=liters]", "30")
    page.fill("#fuel-form input[name=total_price]", "180")
    page.click("#fuel-form button[type=submit]")
    page.wait_for_url("**/panel/#/fuel")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    expect(page.locator("table.list")).to_contain_text("receipt")
    entries = httpx.get(
        f"{seed.base_url}/api/v1/fuel-entries",
        headers={"Authorization": f"Bearer {seed.manager_token}"},
        params={"vehicle_id": seed.in_use_id},
    ).json()["items"]
    (entry,) = entries
    assert entry["price_per_liter"] == 6.0 and entry["receipt_photo_id"]
    photo = httpx.get(
        f"{seed.base_url}/api/v1/photos/{entry['receipt_photo_id']}",
        headers={"Authorization": f"Bearer {seed.manager_token}"},
    ).json()
    assert photo["kind"] == "fuel_receipt" and photo["vehicle_id"] == seed.in_use_id


def test_manager_keeps_a_vehicles_documents(panel, seed):
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-due")
    panel.open(f"/documents/new?vehicle_id={seed.other_id}&kind=insurance")
    page.wait_for_selector("#document-form")
    page.fill("#document-form input[name=number]", "APÓLICE 123/2026")
    soon = (date.today() + timedelta(days=10)).isoformat()
    page.fill("#document-form input[name=expires_on]", soon)
    page.fill("#document-form input[name=amount]", "2450.90")
    page.click("#document-form button[type=submit]")
    page.wait_for_url("**/panel/#/documents")
    row = page.locator("table.list tbody tr", has_text="APÓLICE 123/2026")
    expect(row).to_contain_text("Due soon")
    expect(row).to_contain_text("QWE4567")
    panel.open("/due?kind=document")
    expect(page.locator("table.list")).to_contain_text("insurance QWE4567")
    # Renewed: the same document a year on is valid, and leaves the due list.
    panel.open("/documents")
    page.locator("table.list tbody tr", has_text="APÓLICE 123/2026").locator("a").click()
    page.wait_for_selector("#document-form")
    page.fill(
        "#document-form input[name=expires_on]", (date.today() + timedelta(days=400)).isoformat()
    )
    page.click("#document-form button[type=submit]")
    page.wait_for_url("**/panel/#/documents")
    expect(page.locator("table.list tbody tr", has_text="APÓLICE 123/2026")).to_contain_text(
        "Valid"
    )
    panel.open("/due?kind=document")
    page.wait_for_selector("text=Nothing overdue or due soon.")


# ---- costs by driver --------------------------------------------------------------------------

# Two drivers, each with a vehicle of their own: a full fill-up, a trip with fines on it, and the
# full fill-up that closes the segment. Carla: 400 km on 40 + 32 l at R$ 6.00 (12.5 km/l), two
# fines; Diego: 300 km on 35 + 30 l at R$ 5.50 (10 km/l over 30 l), one fine.
DRIVERS = {
    "Carla Mendes": {
        "plate": "CRL1A11",
        "km": (5_000, 5_400),
        "liters": (40, 32),
        "price": 6,
        "fines": (88.38, 130.16),
        "expected": {"fuel_cost": 432.0, "km": 400, "km_per_liter": 12.5, "fines": 2},
        "fines_amount": 218.54,
    },
    "Diego Rocha": {
        "plate": "DGO2B22",
        "km": (8_000, 8_300),
        "liters": (35, 30),
        "price": 5.5,
        "fines": (195.23,),
        "expected": {"fuel_cost": 357.5, "km": 300, "km_per_liter": 10.0, "fines": 1},
        "fines_amount": 195.23,
    },
}


@pytest.fixture(scope="module")
def two_drivers(seed) -> None:
    """The drivers, their vehicles, trips, fill-ups and fines, through the API."""
    client = httpx.Client(
        base_url=f"{seed.base_url}/api/v1",
        headers={"Authorization": f"Bearer {seed.manager_token}"},
    )

    def post(url, **body):
        r = client.post(url, json=body)
        assert r.status_code in (200, 201), f"POST {url}: {r.status_code} {r.text}"
        return r.json()

    for number, (name, d) in enumerate(DRIVERS.items()):
        driver = post(
            "/drivers",
            name=name,
            license_number=f"5551234567{number}",
            license_category="B",
            license_expiry=(date.today() + timedelta(days=400)).isoformat(),
        )
        start, end = d["km"]
        vehicle = post(
            "/vehicles", plate=d["plate"], make="Fiat", model="Mobi", year=2022, odometer_km=start
        )
        fill = {"vehicle_id": vehicle["id"], "driver_id": driver["id"], "fuel_type": "gasoline"}
        before = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
        post(
            "/fuel-entries",
            **fill,
            odometer_km=start,
            liters=d["liters"][0],
            price_per_liter=d["price"],
            filled_at=before,
        )
        trip = post(
            "/trips", vehicle_id=vehicle["id"], driver_id=driver["id"], start_odometer_km=start
        )
        for amount in d["fines"]:  # on the open trip: Frota names its driver
            fine = post(
                "/fines",
                vehicle_id=vehicle["id"],
                occurred_at=datetime.now(UTC).isoformat(),
                amount=amount,
            )
            assert fine["driver_id"] == driver["id"], fine
        post(f"/trips/{trip['id']}/finish", end_odometer_km=end)
        post(
            "/fuel-entries",
            **fill,
            odometer_km=end,
            liters=d["liters"][1],
            price_per_liter=d["price"],
        )
    # A fine no trip covers: no driver's, so the screen has that group whichever tests ran.
    post("/fines", vehicle_id=vehicle["id"], occurred_at=before, amount=50)
    client.close()


def money(value: float, lang: str) -> str:
    """R$ as the panel's Intl.NumberFormat writes it (a plain space for its no-break one)."""
    text = f"{value:,.2f}"
    return f"R$ {text.translate(str.maketrans(',.', '.,'))}" if lang == "pt" else f"R${text}"


def number(value: float | int, lang: str) -> str:
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.3f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,")) if lang == "pt" else text


BY_DRIVER_COLUMNS = {
    "pt": [
        "Motorista",
        "Combustível (R$)",
        "Km em viagens",
        "Litros",
        "km/l",
        "Multas",
        "Multas (R$)",
    ],
    "en": ["Driver", "Fuel (R$)", "Km on trips", "Litres", "km/l", "Fines", "Fines (R$)"],
}
NO_DRIVER = {"pt": "Sem motorista", "en": "No driver"}


@pytest.mark.parametrize(
    "lang",
    [
        pytest.param("pt", marks=pytest.mark.browser_context(locale="pt-BR")),
        pytest.param("en", marks=pytest.mark.browser_context(locale="en-US")),
    ],
)
def test_manager_compares_drivers_on_the_costs_screen(panel, seed, two_drivers, lang):
    report = httpx.get(
        f"{seed.base_url}/api/v1/reports/costs",
        headers={"Authorization": f"Bearer {seed.manager_token}"},
        params={"group_by": "driver"},
    ).json()
    groups = {g["driver"]: g for g in report["groups"]}
    for name, d in DRIVERS.items():  # the API's figures, which the screen must show
        assert {k: groups[name][k] for k in d["expected"]} == d["expected"]
        assert groups[name]["fines_amount"] == d["fines_amount"]
    page = panel.page
    panel.login("gestora@example.com")
    page.wait_for_selector("#dash-due")
    panel.open("/costs")
    page.wait_for_selector("#cost-chart[data-ready=true]")
    page.select_option("#cost-filters select[name=group_by]", "driver")
    page.click("#cost-filters button[type=submit]")
    page.wait_for_url("**group_by=driver**")
    page.wait_for_selector("#cost-chart[data-ready=true]")
    columns = BY_DRIVER_COLUMNS[lang]
    expect(page.locator("table.list thead th")).to_have_text(columns)
    body = page.locator("table.list tbody tr")
    expect(body).to_have_count(len(report["groups"]) + 1)  # and the totals

    def cells(row) -> list[str]:
        return [text.replace("\xa0", " ") for text in row.locator("td").all_inner_texts()]

    def shown(label: str, g: dict) -> list[str]:
        return [
            label,
            money(g["fuel_cost"], lang),
            number(g["km"], lang),
            number(g["liters"], lang),
            "—" if g["km_per_liter"] is None else number(g["km_per_liter"], lang),
            number(g["fines"], lang),
            money(g["fines_amount"], lang),
        ]

    for name in DRIVERS:
        assert cells(body.filter(has_text=name)) == shown(name, groups[name])
    assert cells(body.nth(-2)) == shown(NO_DRIVER[lang], groups[None])  # listed last
    assert cells(body.last) == shown("Total", report["totals"])
    # The chart: one bar per driver, named as in the table.
    labels = page.evaluate("Chart.getChart('cost-chart').data.labels")
    assert labels == [g["driver"] or NO_DRIVER[lang] for g in report["groups"]]
    if lang == "pt":
        assert cells(body.filter(has_text="Carla Mendes"))[4] == "12,5"
    else:
        assert cells(body.filter(has_text="Carla Mendes"))[4] == "12.5"
