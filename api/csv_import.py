"""Reading a spreadsheet's CSV for the imports (`POST /fuel-entries/import`, ...): the whole file
is checked before anything is written, and every bad line is reported with its number.

What a manager's spreadsheet writes is accepted as it is: UTF-8 (with or without a BOM) or
Windows-1252 (Excel's "CSV" in Portuguese), `,` or `;` between cells, and with `;` the decimal
comma (`1.234,56`); dates as ISO 8601 or `DD/MM/YYYY [HH:MM]`. So is what Frota's own CSV
export writes (`?format=csv`): its plate column `vehicle_plate` names the vehicle, the columns
Frota fills in itself (ids, names beside them, computed values) are left out, and the `'` it put
before a cell that would start a formula is taken off."""

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import FrotaError, Invalid, summarise
from api.lists import CSV_NAMES, QUOTED_START
from api.vehicles.models import Vehicle
from api.vehicles.schemas import normalise_plate

MAX_ERRORS = 100  # a file wrong everywhere needs its first lines fixed, not a 10,000-line list
# Each row runs every rule of a single write (about 5 ms): a bigger file would hold a worker and
# a database connection for minutes; split it instead.
MAX_ROWS = 2000
# A column of the lists' CSV read as the import's own (`vehicle_plate` beside `vehicle_id`).
ALIASES = {CSV_NAMES["vehicle_id"]: "plate"}
_BR_TIME = re.compile(r"^(\d{2})/(\d{2})/(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$")


class ImportRefused(Invalid):
    """422 whose `detail` lists every bad line: `[{"line": 3, "detail": "..."}]`."""

    def __init__(self, errors: list[dict]):
        shown = errors[:MAX_ERRORS]
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        lines = "1 bad line" if len(errors) == 1 else f"{len(errors)} bad lines"
        super().__init__(f"{lines}{more}; nothing was written")
        self.errors = shown

    @property
    def body(self) -> dict:
        return {"detail": self.errors, "message": self.message}


@dataclass
class CsvFile:
    rows: list[tuple[int, dict[str, str]]]  # (line number, non-empty cells by column)
    decimal_comma: bool
    errors: list[dict] = field(default_factory=list)

    def error(self, line: int, detail: str) -> None:
        self.errors.append({"line": line, "detail": detail})


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def exported_only(read: type[BaseModel], columns: Iterable[str]) -> tuple[str, ...]:
    """The columns of a list's CSV export (`read`'s fields and the names beside the ids) that
    its import does not take: a file exported from Frota is read back without them."""
    taken = set(columns)
    exported = [name for field in read.model_fields for name in (field, CSV_NAMES.get(field))]
    return tuple(
        name for name in exported if name and name not in taken and ALIASES.get(name) not in taken
    )


def unquote(text: str) -> str:
    """A cell as it was typed: without the `'` that an export (Frota's, OWASP's advice) puts
    before a value that would start a formula or that starts with `'` (`'=1+1` is `=1+1`,
    `''x` is `'x`, `'x` stays `'x`)."""
    if text.startswith("'") and text[1:2] and text[1] in QUOTED_START:
        return text[1:]
    return text


def read_csv(
    content: bytes, *, columns: Iterable[str], required: Iterable[str], ignored: Iterable[str] = ()
) -> CsvFile:
    """The rows of a CSV with a header row naming `columns` (those in `required` must be there);
    the cells of `ignored` columns (what the export writes and the import does not take) are
    left out."""
    text = decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    file = CsvFile(rows=[], decimal_comma=delimiter == ";")
    if not header:
        raise ImportRefused([{"line": 1, "detail": "The file is empty: a header row is needed"}])
    known, skipped = set(columns), set(ignored)
    header = [ALIASES[name] if ALIASES.get(name) in known else name for name in header]
    unknown = [name for name in header if name not in known and name not in skipped]
    missing = [name for name in required if name not in header]
    twice = sorted({name for name in header if header.count(name) > 1})
    if unknown or missing or twice:
        problems = []
        if unknown:
            problems.append(f"unknown columns {', '.join(unknown)}")
        if missing:
            problems.append(f"missing columns {', '.join(missing)}")
        if twice:
            problems.append(f"columns more than once {', '.join(twice)}")
        raise ImportRefused(
            [{"line": 1, "detail": f"Header: {'; '.join(problems)} (known: {', '.join(columns)})"}]
        )
    reader.fieldnames = header
    try:
        for cells in reader:
            if None in cells:
                file.error(reader.line_num, "more cells than the header has columns")
                continue
            values = {
                k: unquote(v.strip())
                for k, v in cells.items()
                if k not in skipped and v is not None and v.strip()
            }
            if values:
                file.rows.append((reader.line_num, values))
            if len(file.rows) > MAX_ROWS:
                raise ImportRefused(
                    [
                        {
                            "line": reader.line_num,
                            "detail": f"At most {MAX_ROWS} rows a file: split it",
                        }
                    ]
                )
    except csv.Error as exc:
        file.error(reader.line_num, f"not CSV: {exc}")
    if not file.rows and not file.errors:
        raise ImportRefused([{"line": 2, "detail": "The file has a header but no rows"}])
    return file


def number(text: str, decimal_comma: bool) -> str:
    """`1.234,56` → `1234.56` in a `;` file; unchanged otherwise (pydantic checks the rest)."""
    if decimal_comma and "," in text:
        return text.replace(".", "").replace(",", ".")
    return text


def whole_number(text: str, decimal_comma: bool, name: str) -> str:
    """`10.500` is 10500 in a `;` file; in any file a reading is digits only (never `10.5`)."""
    digits = text.replace(".", "") if decimal_comma else text
    if not digits.isdigit():
        raise Invalid(f"{name}: {text!r} is not a whole number")
    return digits


def moment(text: str) -> str | datetime:
    """`DD/MM/YYYY [HH:MM[:SS]]` as a datetime without offset; anything else as it is (ISO 8601,
    which pydantic reads). A date alone is noon of that day."""
    match = _BR_TIME.match(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        try:
            return datetime(
                int(year), int(month), int(day), int(hour or 12), int(minute or 0), int(second or 0)
            )
        except ValueError:
            return text  # pydantic says what is wrong with it
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text + "T12:00:00"
    return text


def day(text: str) -> str | date:
    """A date: `DD/MM/YYYY` (a time after it is dropped) or ISO 8601 (its first ten characters)."""
    parsed = moment(text)
    return parsed.date() if isinstance(parsed, datetime) else parsed[:10]


def vehicle_plates(session: Session) -> dict[str, int]:
    """Every vehicle's id by its plate: the imports name vehicles by plate."""
    return dict(session.execute(select(Vehicle.plate, Vehicle.id)).all())


def vehicle_id(cells: dict[str, str], plates: dict[str, int]) -> int:
    """The row's `plate` (taken out of its cells) as a vehicle id, or the line's refusal."""
    plate = cells.pop("plate", "")
    try:
        found = plates.get(normalise_plate(plate))
    except ValueError as exc:
        raise Invalid(f"plate {plate!r}: {exc}") from exc
    if found is None:
        raise Invalid(f"plate {plate}: no such vehicle")
    return found


def write_rows(session: Session, file: CsvFile, rows: list[tuple[int, object]], write) -> None:
    """`write(row)` for every parsed row, each in a savepoint: a refusal becomes its line's
    error and the rows after it are still checked; one error and nothing is kept (422)."""
    for line, data in rows:
        try:
            with session.begin_nested():
                write(data)
        except FrotaError as exc:
            file.error(line, exc.message)
    if file.errors:
        raise ImportRefused(sorted(file.errors, key=lambda error: error["line"]))


def parse_rows(
    file: CsvFile, parse: Callable[[dict[str, str]], object]
) -> list[tuple[int, object]]:
    """`parse(cells)` for every row; a ValidationError or a refusal becomes that line's error."""
    parsed = []
    for line, cells in file.rows:
        try:
            parsed.append((line, parse(cells)))
        except ValidationError as exc:
            file.error(line, summarise(exc.errors(), whole="row"))
        except Invalid as exc:
            file.error(line, exc.message)
    return parsed
