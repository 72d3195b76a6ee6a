"""The yearly licensing (CRLV) deadline by the plate's final digit, per state: the table lives in
licensing.toml (each state's source beside it), `LICENSING_STATE` picks one."""

import tomllib
from datetime import date
from functools import cache
from pathlib import Path

CALENDAR_FILE = Path(__file__).with_name("licensing.toml")


@cache
def calendar() -> dict[str, dict[str, str]]:
    with CALENDAR_FILE.open("rb") as file:
        return tomllib.load(file)


def states() -> list[str]:
    return sorted(calendar())


def month_days(state: str) -> tuple[list[int], list[int]]:
    """(months, days) of the deadline for final digits 0..9, as PostgreSQL arrays take them."""
    table = calendar()[state]
    months, days = [], []
    for digit in "0123456789":
        month, day = table[digit].split("-")
        months.append(int(month))
        days.append(int(day))
    return months, days


def deadline(state: str, plate: str, year: int) -> date:
    months, days = month_days(state)
    digit = int(plate[-1])
    return date(year, months[digit], days[digit])
