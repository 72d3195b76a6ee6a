"""Lists stay usable with 10,000 rows: the server pages them, the panel never loads them all."""

import time

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import TEST_PASSWORD, _hash

pytestmark = pytest.mark.usefixtures("committed")
ROWS = 10_000


@pytest.fixture(scope="module")
def fleet(committed, engine):
    from api.users.models import User

    with Session(engine) as session:
        session.add(
            User(
                email="frota@example.com",
                name="Gestor",
                role="manager",
                password_hash=_hash(TEST_PASSWORD),
            )
        )
        # Plates AAA0A00 … (letters and digits from the row number), all valid Mercosul plates.
        session.execute(
            text(
                "INSERT INTO vehicles (plate, make, model, year, odometer_km, status) "
                "SELECT chr(65 + n / 676 % 26) || chr(65 + n / 26 % 26) || chr(65 + n % 26) "
                "  || (n % 10)::text || chr(65 + n / 10 % 26) || lpad((n % 100)::text, 2, '0'), "
                "       'Fiat', 'Fiorino', 2020, 1000, 'available' "
                "FROM generate_series(0, :rows - 1) AS n ON CONFLICT (plate) DO NOTHING"
            ),
            {"rows": ROWS + 200},
        )
        session.commit()
        total = session.execute(text("SELECT count(*) FROM vehicles")).scalar_one()
    assert total >= ROWS
    return total


def test_vehicle_list_pages_through_ten_thousand_rows(panel, fleet):
    page = panel.page
    panel.login("frota@example.com")
    page.wait_for_selector("#dash-vehicles")
    started = time.monotonic()
    panel.open("/vehicles")
    page.wait_for_selector(f"text=1–50 of {fleet:,}")
    assert page.locator("table.list tbody tr").count() == 50
    page.click("text=Next ›")
    page.wait_for_selector(f"text=51–100 of {fleet:,}")
    assert time.monotonic() - started < 10
    panel.open(f"/vehicles?offset={fleet - 10}")
    page.wait_for_selector(f"text={fleet - 9:,}–{fleet:,} of {fleet:,}")
    assert page.locator("button:has-text('Next ›')").is_disabled()
    panel.screenshot("11-vehicles-ten-thousand")
