"""The licensing calendars: by year with their source, rules that resolve to the right day, a
year without a table marked as an estimate, and a LICENSING_CALENDAR_FILE checked line by line."""

import logging
import os
import secrets
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from api.config import ConfigError, Settings
from api.documents import licensing
from api.documents.licensing import BUILT_IN, CalendarError
from api.main import validate_settings

GOOD_KEY = secrets.token_urlsafe(48)
FROTA = str(Path(sys.executable).with_name("frota"))
TEN_DIGITS = "".join(f'"{d}" = "12"\n' for d in range(10))


def write(tmp_path, text: str) -> Path:
    path = tmp_path / f"calendar-{secrets.token_hex(4)}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_table_has_a_year_a_source_and_real_dates_of_its_year():
    """Read with tomllib on its own, apart from the loader: what an operator would check."""
    data = tomllib.loads(BUILT_IN.read_text(encoding="utf-8"))
    assert {"SP", "RJ", "MG", "PR", "RS", "SC", "BA", "GO", "DF"} <= set(data)
    for state, years in data.items():
        assert years, state
        for year, table in years.items():
            assert 2000 <= int(year) <= 2099, (state, year)
            assert table["source"].strip(), (state, year)
            assert table.get("rule", "last_day") in ("last_day", "last_working_day")
            digits = {k for k in table if k.isdigit() and len(k) == 1}
            assert digits == set("0123456789"), (state, year)
            for key in digits:
                value = table[key]
                if len(value) == 5:  # "MM-DD": a real day of that year, or fromisoformat fails
                    date.fromisoformat(f"{year}-{value}")
                else:
                    assert 1 <= int(value) <= 12, (state, year, key)
    # And the loader gives each table's own year a date of that year for every plate.
    for state, by_year in licensing.load(BUILT_IN).items():
        for year, table in by_year.items():
            dates, _ = table.resolve(year)
            assert len(dates) == 100 and {d.year for d in dates} == {year}, (state, year)


def test_the_2026_tables_are_the_published_ones():
    calendar = licensing.calendar()
    rj = calendar.for_year("RJ", 2026)
    assert not rj.missing and not any(rj.estimated)
    assert [str(rj.deadline(f"ABC1D2{d}")) for d in range(10)] == [
        "2026-05-31",
        "2026-05-31",
        "2026-05-31",
        "2026-06-30",
        "2026-06-30",
        "2026-06-30",
        "2026-07-31",
        "2026-07-31",
        "2026-07-31",
        "2026-07-31",
    ]
    ba = calendar.for_year("BA", 2026)
    published = {"4": "2026-08-31", "7": "2026-10-29", "8": "2026-10-30", "0": "2026-11-30"}
    for digit in "0123456789":
        plate = f"ABC1D2{digit}"
        assert ba.is_estimated(plate) == (digit not in published), digit
        if digit in published:
            assert str(ba.deadline(plate)) == published[digit]
    # PR and SC have no 2026 table: estimates, all of them.
    for state in ("PR", "SC"):
        year = calendar.for_year(state, 2026)
        assert year.missing and all(year.estimated), state


def test_sps_last_working_day_rule():
    sp = licensing.calendar().for_year("SP", 2026)
    assert not sp.missing and not any(sp.estimated)
    assert sp.deadline("ABC1D27") == sp.deadline("ABC1D28") == date(2026, 10, 30)  # 31st: Sat
    assert sp.deadline("ABC1D23") == date(2026, 8, 31)  # a Monday
    assert sp.deadline("ABC1D21") == date(2026, 7, 31)
    assert sp.deadline("ABC1D20") == date(2026, 12, 31)


def test_the_rule_skips_national_holidays(tmp_path):
    """2029: Good Friday is 30 March and the 31st a Saturday, so March's last working day is the
    29th; 2026: 30 November is a Monday, no holiday."""
    path = write(
        tmp_path,
        '[ZZ.2029]\nsource = "test"\nrule = "last_working_day"\n'
        + "".join(f'"{d}" = "{"03" if d < 5 else "11"}"\n' for d in range(10)),
    )
    table = licensing.load(path)["ZZ"][2029]
    dates, unconfirmed = table.resolve(2029)
    assert dates[1] == date(2029, 3, 29) and dates[9] == date(2029, 11, 30)
    assert not any(unconfirmed)
    estimated, _ = table.resolve(2026)  # the same rule carried to another year
    assert estimated[1] == date(2026, 3, 31) and estimated[9] == date(2026, 11, 30)


def test_a_state_with_a_2025_table_only_is_an_estimate_in_2026():
    mg = licensing.calendar().for_year("MG", 2026)
    assert mg.missing and mg.calendar_year == 2025 and all(mg.estimated)
    assert mg.deadline("ABC1D21") == date(2026, 8, 31)  # 2025's 08-31, carried over
    assert "MG has no table for 2026" in mg.warning()
    assert "estimated from 2025" in mg.warning()
    in_2025 = licensing.calendar().for_year("MG", 2025)
    assert not in_2025.missing and not any(in_2025.estimated) and in_2025.warning() is None


def test_two_digit_windows_and_an_override_that_replaces_and_adds(tmp_path):
    path = write(
        tmp_path,
        '[PR.2026]\nsource = "DETRAN-PR portaria 2026 (test)"\nunconfirmed = ["9"]\n'
        + "".join(f'"{d}" = "11-30"\n' for d in range(10))
        + '"10-19" = "08-15"\n"21" = "08-20"\n'
        + '\n[XY.2026]\nsource = "a company of its own"\n'
        + TEN_DIGITS,
    )
    calendar = licensing.calendar(path)
    pr = calendar.for_year("PR", 2026)
    assert not pr.missing and pr.source.startswith("DETRAN-PR portaria 2026")
    assert pr.deadline("ABC1D15") == pr.deadline("ABC1D10") == date(2026, 8, 15)
    assert pr.deadline("ABC1D21") == date(2026, 8, 20)
    assert pr.deadline("ABC1D31") == pr.deadline("ABC1D20") == date(2026, 11, 30)
    assert pr.is_estimated("ABC1D29") and not pr.is_estimated("ABC1D19")
    assert calendar.for_year("PR", 2025).source == licensing.calendar().for_year("PR", 2025).source
    assert "XY" in calendar.states() and "XY" not in licensing.states()
    assert calendar.for_year("XY", 2026).deadline("ABC1D23") == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[RJ.2026]\n"1" = "05-31"\n', 1, "has no source"),
        (
            '[RJ.2026]\nsource = "x"\n' + TEN_DIGITS.replace('"4" = "12"', '"4" = "02-30"'),
            7,
            "is not a day of 2026",
        ),
        ('[RJ.2026]\nsource = "x"\nrule = "end"\n' + TEN_DIGITS, 3, "rule 'end'"),
        ('[RJ.2026]\nsource = "x"\n' + TEN_DIGITS + '"1x" = "05"\n', 13, "key '1x'"),
        (
            '[RJ.2026]\nsource = "x"\n' + TEN_DIGITS + '"10-19" = "05"\n"15" = "06"\n',
            14,
            "overlaps",
        ),
        ('[RJ.2026]\nsource = "x"\n"20-29" = "05"\n', 1, "no date for plates ending in 00"),
        ('# a comment\n\n[RJ.26]\nsource = "x"\n', 3, "not a table for a year"),
        ('[RJ.2026]\nsource = "x"\n"1" = 5\n', 3, "is not a date"),
        ('[RJ.2026]\nsource = "x"\n"1" = "05-31\n', 3, "not valid TOML"),
    ],
)
def test_a_bad_calendar_file_names_its_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(CalendarError) as caught:
        licensing.calendar(path)
    message = str(caught.value)
    assert words in message
    assert f"{path}:{line}:" in message or f"line {line}" in message, message


def test_a_bad_override_file_stops_the_start_with_the_line_named(tmp_path):
    path = write(tmp_path, '[RJ.2026]\nsource = "x"\n"1" = "13-01"\n')
    settings = Settings(secret_key=GOOD_KEY, licensing_calendar_file=path)
    for environment in ("development", "production"):
        with pytest.raises(ConfigError, match=f"LICENSING_CALENDAR_FILE: {path}:3: "):
            validate_settings(settings.model_copy(update={"environment": environment}))
    # The real command refuses too, before it serves anything (no database needed to say so).
    env = {**os.environ, "SECRET_KEY": GOOD_KEY, "LICENSING_CALENDAR_FILE": str(path)}
    result = subprocess.run(
        [FROTA, "check-config", "--offline"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{path}:3: [RJ.2026] '1' = '13-01' is not a day of 2026" in result.stdout
    missing = Settings(secret_key=GOOD_KEY, licensing_calendar_file=tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="nope.toml: cannot be read"):
        validate_settings(missing)


def test_an_unknown_state_is_refused_and_an_override_can_add_it(tmp_path):
    with pytest.raises(ConfigError, match="LICENSING_STATE='XY' has no licensing calendar"):
        validate_settings(Settings(secret_key=GOOD_KEY, licensing_state="xy"))
    path = write(tmp_path, '[XY.2026]\nsource = "ours"\n' + TEN_DIGITS)
    validate_settings(
        Settings(secret_key=GOOD_KEY, licensing_state="xy", licensing_calendar_file=path),
        announce=False,
    )


def test_the_start_up_log_names_the_state_and_the_missing_year(tmp_path, caplog):
    path = write(tmp_path, '[ZZ.2020]\nsource = "old"\n' + TEN_DIGITS)
    settings = Settings(secret_key=GOOD_KEY, licensing_state="ZZ", licensing_calendar_file=path)
    year = settings.licensing_today().year
    with caplog.at_level(logging.WARNING, logger="frota"):
        validate_settings(settings)
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        f"ZZ has no table for {year}" in m and "estimated from 2020" in m for m in messages
    ), messages
