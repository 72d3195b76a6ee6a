"""The yearly licensing (CRLV) deadline by the plate's final digits, per state and year.

The calendars live in licensing.toml, one table per state and year (`[RJ.2026]`) with its
`source`; `LICENSING_CALENDAR_FILE` names a file of the same format whose tables replace or add
to those (a state and year at a time). `LICENSING_STATE` picks the state.

A table's keys are a plate's final digit (`"1"`), its final two digits (`"15"`) or a range of
them (`"10-19"`); the most specific one counts. Values are a date of that year (`"MM-DD"`) or a
month alone (`"MM"`), which the table's `rule` turns into a day: `last_day` (the default) or
`last_working_day` (weekends and Brazil's national holidays skipped). `unconfirmed` (true, or a
list of keys) marks dates that no source confirmed. A year with no table of its own is estimated
from the last known year; every date so obtained, and every unconfirmed one, says it is an
estimate."""

import calendar as gregorian
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import holidays

BUILT_IN = Path(__file__).with_name("licensing.toml")
RULES = ("last_day", "last_working_day")
ENDINGS = tuple(f"{n:02d}" for n in range(100))  # a plate's final two digits
_STATE = re.compile(r"[A-Z]{2}")
_YEAR = re.compile(r"20\d\d")
_KEY = re.compile(r"(\d)|(\d\d)|(\d\d)-(\d\d)")
_VALUE = re.compile(r"(\d\d)(?:-(\d\d))?")
# Where a table and its keys are written, for the messages: `[RJ.2026]` and `"1" = ...` lines.
_HEADER_LINE = re.compile(r'\s*\[\s*"?([^."\]\s]+)"?\s*(?:\.\s*"?([^."\]\s]+)"?\s*)?\]')
_KEY_LINE = re.compile(r'\s*"?([^"=\s]+)"?\s*=')


class CalendarError(ValueError):
    """A calendar file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True, slots=True)
class Table:
    state: str
    year: int
    source: str
    rule: str
    entries: dict[str, tuple[int, int | None]]  # key: (month, day; None: the rule's day)
    unconfirmed: frozenset[str]
    keys: tuple[str, ...]  # the key that counts for each of ENDINGS
    where: str  # file:line of the table

    def resolve(self, year: int) -> tuple[list[date], list[bool]]:
        """The deadline of each of ENDINGS in `year`, and whether it is unconfirmed."""
        days = {
            key: _day(year, month, day, self.rule) for key, (month, day) in self.entries.items()
        }
        return [days[k] for k in self.keys], [k in self.unconfirmed for k in self.keys]


@dataclass(frozen=True, slots=True)
class YearCalendar:
    """One state's deadlines in one year, from the table of `calendar_year`."""

    state: str
    year: int
    calendar_year: int
    source: str
    dates: list[date]  # by ENDINGS
    estimated: list[bool]  # by ENDINGS

    @property
    def missing(self) -> bool:
        """No table for this year: every date is estimated from `calendar_year`."""
        return self.calendar_year != self.year

    def deadline(self, plate: str) -> date:
        return self.dates[int(plate[-2:])]

    def is_estimated(self, plate: str) -> bool:
        return self.estimated[int(plate[-2:])]

    def warning(self) -> str | None:
        if not self.missing:
            return None
        return (
            f"licensing calendar: {self.state} has no table for {self.year}; its due dates are "
            f"estimated from {self.calendar_year} (add [{self.state}.{self.year}] to "
            "LICENSING_CALENDAR_FILE or api/documents/licensing.toml)"
        )


@dataclass
class Calendar:
    tables: dict[str, dict[int, Table]]
    _years: dict[tuple[str, int], YearCalendar] = field(default_factory=dict)

    def states(self) -> list[str]:
        return sorted(self.tables)

    def for_year(self, state: str, year: int) -> YearCalendar:
        found = self._years.get((state, year))
        if found is None:
            found = self._years[(state, year)] = self._resolve(state, year)
        return found

    def _resolve(self, state: str, year: int) -> YearCalendar:
        by_year = self.tables[state]
        if year in by_year:
            known = year
        else:  # the last known year, else (a year before every table) the first
            earlier = [y for y in by_year if y < year]
            known = max(earlier) if earlier else min(by_year)
        table = by_year[known]
        dates, unconfirmed = table.resolve(year)
        estimated = [True] * len(ENDINGS) if known != year else unconfirmed
        return YearCalendar(state, year, known, table.source, dates, estimated)


def _day(year: int, month: int, day: int | None, rule: str) -> date:
    last = gregorian.monthrange(year, month)[1]
    if day is not None:
        return date(year, month, min(day, last))  # 02-29 estimated into a common year: 02-28
    due = date(year, month, last)
    if rule == "last_working_day":
        closed = holidays.Brazil(years=year)  # national holidays only, no state or city ones
        while due.weekday() >= 5 or due in closed:
            due -= timedelta(days=1)
    return due


class _Lines:
    """The line of each table header and key in a TOML text (already parsed, so well-formed)."""

    def __init__(self, text: str):
        self.tables: dict[tuple[str, ...], int] = {}
        self.keys: dict[tuple[str, ...], int] = {}
        current: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            header = _HEADER_LINE.match(line)
            if header:
                current = tuple(part for part in header.groups() if part)
                self.tables.setdefault(current, number)
                continue
            key = _KEY_LINE.match(line)
            if key:
                self.keys.setdefault((*current, key.group(1)), number)

    def table(self, *path: str) -> int | None:
        return self.tables.get(path) or self.tables.get(path[:1])

    def key(self, *path: str) -> int | None:
        return self.keys.get(path) or self.table(*path[:-1])


def load(path: Path) -> dict[str, dict[int, Table]]:
    """Every table of one file, checked; CalendarError names the file and line of a bad one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarError(f"{path}: cannot be read ({exc})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{path}: not valid TOML: {exc}") from exc
    lines = _Lines(text)
    tables: dict[str, dict[int, Table]] = {}
    for state, years in data.items():
        where = f"{path}:{lines.key(state) or lines.table(state) or 1}"
        if not _STATE.fullmatch(state) or not isinstance(years, dict):
            raise CalendarError(
                f"{where}: {state!r} is not a state's tables: write [UF.YEAR], such as [RJ.2026]"
            )
        for year, entries in years.items():
            line = lines.table(state, year) or lines.key(state, year)
            if not _YEAR.fullmatch(year) or not isinstance(entries, dict):
                raise CalendarError(
                    f"{path}:{line}: [{state}.{year}] is not a table for a year (2000-2099)"
                )
            table = _table(state, int(year), entries, path, lines, line)
            tables.setdefault(state, {})[table.year] = table
    return tables


def _table(state: str, year: int, data: dict, path: Path, lines: _Lines, line) -> Table:
    name = f"[{state}.{year}]"

    def fail(message: str, key: str | None = None):
        at = lines.key(state, str(year), key) if key else line
        raise CalendarError(f"{path}:{at}: {name} {message}")

    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        fail('has no source: say where the calendar was published (source = "...")')
    rule = data.get("rule", "last_day")
    if rule not in RULES:
        fail(f"rule {rule!r} is not one of {', '.join(RULES)}", "rule")
    entries: dict[str, tuple[int, int | None]] = {}
    for key, value in data.items():
        if key in ("source", "rule", "unconfirmed"):
            continue
        if not _KEY.fullmatch(key):
            fail(f'key {key!r} is not a final digit ("1"), two ("15") or a range ("10-19")', key)
        if not isinstance(value, str) or not _VALUE.fullmatch(value):
            fail(f'{key!r} = {value!r} is not a date "MM-DD" or a month "MM"', key)
        month, day = _VALUE.fullmatch(value).groups()
        try:
            date(year, int(month), int(day or 1))
        except ValueError:
            fail(f"{key!r} = {value!r} is not a day of {year}", key)
        entries[key] = (int(month), int(day) if day else None)
    unconfirmed = data.get("unconfirmed", False)
    if unconfirmed is True:
        unconfirmed = list(entries)
    elif unconfirmed is False:
        unconfirmed = []
    if not isinstance(unconfirmed, list) or any(k not in entries for k in unconfirmed):
        fail("unconfirmed must be true, false or a list of this table's keys", "unconfirmed")
    keys = _keys_by_ending(entries, fail)
    return Table(state, year, source, rule, entries, frozenset(unconfirmed), keys, f"{path}:{line}")


def _keys_by_ending(entries: dict, fail) -> tuple[str, ...]:
    """The key that counts for each two final digits: two digits (or a range), else one."""
    by_two: dict[str, str] = {}
    for key in entries:
        match = _KEY.fullmatch(key)
        if match.group(1):
            continue
        low, high = (match.group(2),) * 2 if match.group(2) else match.group(3, 4)
        if low > high:
            fail(f"range {key!r} runs backwards", key)
        for ending in ENDINGS[int(low) : int(high) + 1]:
            if ending in by_two:
                fail(f"{key!r} overlaps {by_two[ending]!r} (final digits {ending})", key)
            by_two[ending] = key
    keys = []
    for ending in ENDINGS:
        key = by_two.get(ending, ending[1])
        if key not in entries:
            fail(f'has no date for plates ending in {ending} (key "{ending[1]}" or "{ending}")')
        keys.append(key)
    return tuple(keys)


@cache
def calendar(override: Path | None = None) -> Calendar:
    """The built-in tables, those of `override` (LICENSING_CALENDAR_FILE) replacing or adding."""
    tables = load(BUILT_IN)
    if override is not None:
        for state, years in load(override).items():
            tables.setdefault(state, {}).update(years)
    return Calendar(tables)


def states() -> list[str]:
    return calendar().states()


def deadline(state: str, plate: str, year: int) -> date:
    """The built-in calendar's date for a plate (tests and scripts)."""
    return calendar().for_year(state, year).deadline(plate)
