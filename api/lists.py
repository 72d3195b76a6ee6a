"""The one way to serve a list: `{items, total, limit, offset, next, previous}`, read on the event
loop through psycopg's asyncio pool.

A list is a `ListQuery`: its service builds the SQLAlchemy query for the filters a request
sends (values bound by name, `bindparam(name)`), and the query is compiled once per set of
filter names. PostgreSQL writes each row of the page as JSON (`row_to_json`, in the page's
order) and counts the filtered set in the same statement, which psycopg prepares once per
connection (`prepare=True`); Python only joins the rows into the page.

`?format=csv` answers every row that matches, in the same order, as PostgreSQL's own CSV
(`COPY ... TO STDOUT`): spooled to a temporary file (memory up to 1 MB, then disk) so that the
database connection is free again before a slow client starts downloading. Every list's CSV
columns are built here (`csv_columns`): no text cell starts a spreadsheet formula, and the
plate and the driver's name stand beside `vehicle_id` and `driver_id`."""

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum, StrEnum
from typing import IO, Annotated, Any, ClassVar, Generic, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, model_validator
from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Select,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
)
from sqlalchemy import column as sa_column
from sqlalchemy import select as sa_select
from sqlalchemy import table as sa_table
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.sql.elements import Label

from api.actor import ANY_DRIVER, OWN_DRIVER_ID, Actor
from api.config import get_settings
from api.db import read
from api.db_monitor import timed
from api.spool import scratch_dir
from api.text import LIKE_ESCAPE, contains_pattern

T = TypeVar("T")
MAX_OFFSET = 10_000_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = None
    previous: str | None = None


class ListFormat(StrEnum):
    json = "json"
    csv = "csv"


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int
    format: ListFormat = ListFormat.json


async def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="Rows per page (max 200)")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")] = 0,
    format: Annotated[
        ListFormat,
        Query(description="`json`: a page; `csv`: every row that matches, for a spreadsheet"),
    ] = ListFormat.json,
) -> PageParams:
    return PageParams(limit=limit, offset=offset, format=format)


PageDep = Annotated[PageParams, Depends(page_params)]

_DIALECT = postgresql_psycopg.dialect()
_UTC = literal_column("'UTC'")
_ISO_MICROSECONDS_Z = literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'""")


# ---- filters: declared once per list, as the fields of a query-parameter model ------------------


@dataclass(frozen=True, slots=True)
class Filter:
    """How one field of a list's `Filters` becomes SQL, declared beside the field:
    `vehicle_id: Annotated[Id | None, Eq(Trip.vehicle_id)] = None`.

    `where(p)` is the condition on the bound parameter `p` (named like the field); `bind` turns
    the value sent into the bound value (None: the filter is not applied). `by_value`: the value
    picks the condition (`where(value)`, nothing bound), for a state such as open/finished.
    `column` and `edge` mark the two ends of a range, which must come in order."""

    where: Callable[[Any], ColumnElement[bool]]
    bind: Callable[[Any], Any] = lambda value: value
    type_: Any = None
    by_value: bool = False
    column: Any = None
    edge: str | None = None


def Eq(column) -> Filter:  # noqa: N802 - reads as a declaration
    """`column = value`."""
    return Filter(lambda p: column == p)


def From(column) -> Filter:  # noqa: N802
    """`column >= value` (ISO 8601, inclusive): the start of a range."""
    return Filter(lambda p: column >= p, column=column, edge="start")


def Before(column) -> Filter:  # noqa: N802
    """`column < value` (ISO 8601, exclusive): the end of a range."""
    return Filter(lambda p: column < p, column=column, edge="end")


def Search(*columns) -> Filter:  # noqa: N802
    """The text anywhere in any of the columns, case-insensitive, `%` and `_` literally; blank
    text is no filter."""

    def where(p):
        return or_(*(c.ilike(p, escape=LIKE_ESCAPE) for c in columns))

    return Filter(where, bind=search_pattern)


def search_pattern(text: str) -> str | None:
    """The LIKE pattern (escape LIKE_ESCAPE) of a search: the text anywhere; blank: none."""
    return contains_pattern(text.strip()) if text.strip() else None


def AnyOf(column) -> Filter:  # noqa: N802
    """`column` is one of the ids sent (the parameter repeated)."""
    return Filter(lambda p: column == any_(p), bind=list, type_=ARRAY(Integer))


def Flag(condition) -> Filter:  # noqa: N802
    """`true`: only the rows where `condition` holds; `false` or absent: no filter."""
    return Filter(lambda _: condition, bind=lambda on: True if on else None, by_value=True)


def OneOf(**conditions) -> Filter:  # noqa: N802
    """The value names one of the conditions (`state=open`)."""
    return Filter(lambda value: conditions[value], by_value=True)


def _bound(value):
    return value.value if isinstance(value, Enum) else value


class Filters(BaseModel):
    """A list's filters: each field a query parameter (FastAPI's query-parameter models,
    `Annotated[XFilters, Query()]`) whose `Filter` names its column and operator. The same model
    gives the OpenAPI, the SQL of the page and of the CSV, and the range checks."""

    FILTERS: ClassVar[dict[str, Filter]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs):
        super().__pydantic_init_subclass__(**kwargs)
        cls.FILTERS = {
            name: next(m for m in field.metadata if isinstance(m, Filter))
            for name, field in cls.model_fields.items()
            if any(isinstance(m, Filter) for m in field.metadata)
        }

    @model_validator(mode="after")
    def _ranges_in_order(self):
        starts = {id(f.column): name for name, f in self.FILTERS.items() if f.edge == "start"}
        for end, f in self.FILTERS.items():
            start = starts.get(id(f.column)) if f.edge == "end" else None
            if start is None:
                continue
            low, high = getattr(self, start), getattr(self, end)
            if low is not None and high is not None and low >= high:
                names = type(self).model_fields
                raise ValueError(
                    f"{names[start].alias or start} must be before {names[end].alias or end}"
                )
        return self

    def values(self) -> dict:
        """The bound values by name, of the filters sent; their names pick the statement."""
        values = {}
        for name, f in self.FILTERS.items():
            sent = getattr(self, name)
            bound = None if sent is None else f.bind(_bound(sent))
            if bound is None:
                continue
            if f.by_value:
                values[f"{name}={bound}"] = True  # a shape, not a value
            else:
                values[name] = bound
        return values

    @classmethod
    def where(cls, query: Select, shape: frozenset[str]) -> Select:
        """`query` with the conditions of the filters named in `shape`."""
        for name, f in cls.FILTERS.items():
            if f.by_value:
                for key in shape:
                    if key.startswith(name + "="):
                        query = query.where(f.where(key[len(name) + 1 :]))
            elif name in shape:
                query = query.where(f.where(bindparam(name, type_=f.type_)))
        return query


def json_column(column: ColumnElement) -> ColumnElement:
    """A column as the API writes it: a timestamp in UTC with `Z`, and microseconds only when it
    has any (as pydantic writes it for the other endpoints); the rest as PostgreSQL's JSON
    writes it (numbers, strings, booleans, dates, null)."""
    base = column.element if isinstance(column, Label) else column
    if not (isinstance(base.type, DateTime) and base.type.timezone):
        return column
    text = func.to_char(func.timezone(_UTC, base), _ISO_MICROSECONDS_Z)
    return func.replace(text, literal_column("'.000000Z'"), literal_column("'Z'")).label(column.key)


# OWASP's "CSV Injection": a spreadsheet runs a cell that begins with one of these as a formula
# (`=HYPERLINK(...)`, `@SUM(...)`, `-1+1`, DDE), so such a text cell gets a `'` in front of it.
# So does a text that begins with `'` itself: an import takes one `'` off before any of them
# (`csv_import.unquote`), and every text comes back as it was typed.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTED_START = (*FORMULA_START, "'")
_QUOTED_START_RE = literal_column(r"'^([-=+@\t\r''])'")  # PostgreSQL's regex reads \t and \r
_QUOTED = literal_column(r"'''\1'")  # `'` and the character matched
_NUMBER = (Integer, Numeric, Float)  # in SQLAlchemy 2.1 a Float is not a Numeric


def csv_text(value: ColumnElement) -> ColumnElement:
    """Text for a spreadsheet: `'` before a value that would start a formula, or that starts
    with `'` (null stays null)."""
    return func.regexp_replace(cast(value, Text), _QUOTED_START_RE, _QUOTED)


def csv_column(column: ColumnElement) -> ColumnElement:
    """A column as a spreadsheet reads it: timestamps as in the JSON, dates `YYYY-MM-DD`,
    booleans `true`/`false`, numbers with a dot (as PostgreSQL writes them, a negative one as
    `-2.5`); every other value is text (lists space-separated, JSON as its text, and any type
    not named here), through `csv_text`."""
    base = column.element if isinstance(column, Label) else column
    kind = base.type
    if isinstance(kind, DateTime):
        return json_column(column)
    if isinstance(kind, _NUMBER):
        return column
    if isinstance(kind, Date):
        value = func.to_char(base, literal_column("'YYYY-MM-DD'"))
    elif isinstance(kind, Boolean):
        value = cast(base, Text)
    elif isinstance(kind, ARRAY):
        value = func.array_to_string(base, literal_column("' '"))
        if not isinstance(kind.item_type, _NUMBER):
            value = csv_text(value)
    else:
        value = csv_text(base)  # text, enums, JSON and any other type: it may start a formula
    return value.label(column.key)


# What a person reads beside an id: the column added right after it in the CSV (not the JSON).
CSV_NAMES = {"vehicle_id": "vehicle_plate", "driver_id": "driver_name"}
# Named by table (SQLAlchemy's lightweight `table()`), so that this plumbing imports no domain.
_NAMED = {
    "vehicle_id": sa_table("vehicles", sa_column("id"), sa_column("plate"))
    .alias("csv_vehicle")
    .c.plate,
    "driver_id": sa_table("drivers", sa_column("id"), sa_column("name")).alias("csv_driver").c.name,
}


def csv_columns(columns: Sequence[ColumnElement]) -> tuple[list[ColumnElement], list[tuple]]:
    """The CSV's columns and the joins they need: each of the list's columns as `csv_column`
    writes it, and right after `vehicle_id` the vehicle's plate (`vehicle_plate`), after
    `driver_id` the driver's name (`driver_name`), each by a LEFT JOIN on the primary key (one
    row for one row, and the list's own ORDER BY still orders them)."""
    keys = {column.key for column in columns}
    out, joins = [], []
    for column in columns:
        out.append(csv_column(column))
        name = CSV_NAMES.get(column.key)
        if name is None or name in keys:
            continue
        base = column.element if isinstance(column, Label) else column
        named = _NAMED[column.key]
        joins.append((named.table, named.table.c.id == base))
        out.append(csv_column(named.label(name)))
    return out, joins


@dataclass(frozen=True, slots=True)
class Asked:
    """A request for one list: its page and its filters, answered by `answer`."""

    request: Request
    query: "ListQuery"
    filters: Filters
    page: PageParams

    async def answer(
        self, values: dict | None = None, add: Callable[[tuple], str] | None = None
    ) -> Response:
        """The page (or the CSV) of the filters sent and `values` (`own_rows(actor)`, dates
        the query binds); `add` as in `read_page`."""
        values = self.filters.values() | (values or {})
        return await read_page(self.request, self.query, values, self.page, add)


@dataclass(frozen=True, slots=True)
class _Statements:
    page: str
    count: str
    csv: str
    constants: dict


class ListQuery:
    """One list as SQL, and the dependency that reads its request (`Asked`).

    `build(names)` returns the service's ordered query for the bound values named, and
    `filters` adds the conditions of the filters among them. `columns` are the item's fields:
    the item's schema (its fields, by name, from the query's columns) or the columns themselves.
    `visible(query, actor)`, the domain's rule of the rows a driver may see, is applied for
    any driver (`ANY_DRIVER`, their id bound by name) when `own_rows(actor)` is among the values.
    `extra` names page columns returned beside each row's JSON, for what Python adds to it (the
    photos' signed links)."""

    def __init__(
        self,
        build: Callable[[frozenset[str]], Select],
        filters: type[Filters],
        columns: type[BaseModel] | Sequence[ColumnElement],
        *,
        visible: Callable[[Select, Actor], Select] | None = None,
        extra: Sequence[str] = (),
    ):
        if isinstance(columns, type) and issubclass(columns, BaseModel):
            selected = build(frozenset()).selected_columns
            columns = [selected[name] for name in columns.model_fields]
        self._build = build
        self._filters = filters
        self._visible = visible
        self._columns = [json_column(column) for column in columns]
        self._csv_columns, self._csv_joins = csv_columns(columns)
        self._extra = tuple(extra)
        self._compiled: dict[frozenset[str], _Statements] = {}

        async def asked(
            request: Request, page: PageDep, sent: Annotated[self._filters, Query()]
        ) -> Asked:
            return Asked(request, self, sent, page)

        # A route's parameter `asked: LIST.Asked`: its page, its filters (query parameters).
        self.Asked = Annotated[Asked, Depends(asked)]

    def statements(self, names: frozenset[str]) -> _Statements:
        compiled = self._compiled.get(names)
        if compiled is None:
            compiled = self._compiled[names] = self._compile(names)
        return compiled

    def _compile(self, names: frozenset[str]) -> _Statements:
        query = self._build(names)
        if OWN_DRIVER_ID in names:
            if self._visible is None:
                raise TypeError("own_rows(actor) for a list without visible=: a driver sees all")
            query = self._visible(query, ANY_DRIVER)
        query = self._filters.where(query, names)
        count = sa_select(func.count()).select_from(query.order_by(None).subquery("filtered"))
        rows = (
            query.with_only_columns(*self._columns)
            .limit(bindparam("page_limit"))
            .offset(bindparam("page_offset"))
            .subquery("page")
        )
        page = sa_select(
            cast(func.row_to_json(rows.table_valued()), Text),
            count.scalar_subquery(),
            *(rows.c[name] for name in self._extra),
        ).select_from(rows)
        every_row = query.with_only_columns(*self._csv_columns)
        for table, on in self._csv_joins:
            every_row = every_row.outerjoin(table, on)
        page_sql, count_sql = page.compile(dialect=_DIALECT), count.compile(dialect=_DIALECT)
        csv_sql = every_row.compile(dialect=_DIALECT)
        constants = {
            k: v
            for k, v in {**count_sql.params, **page_sql.params, **csv_sql.params}.items()
            if v is not None
        }
        return _Statements(
            page=str(page_sql),
            count=str(count_sql),
            csv=f"COPY ({csv_sql}) TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')",
            constants=constants,
        )


async def read_page(
    request: Request,
    query: ListQuery,
    values: dict,
    page: PageParams,
    add: Callable[[tuple], str] | None = None,
) -> Response:
    """One page of a list as the JSON of `Page[...]`. `values` are the filters' bound values by
    name (their names pick the statement); `add(row)` returns the row's JSON with fields added in
    Python (row: JSON text, total, then the `extra` columns). `?format=csv`: every row, as CSV."""
    statements = query.statements(frozenset(values))
    if page.format is ListFormat.csv:
        return await _csv(request, statements, {**statements.constants, **values})
    params = {
        **statements.constants,
        **values,
        "page_limit": page.limit,
        "page_offset": page.offset,
    }

    async def page_and_total(connection) -> tuple[list, int]:
        with timed(statements.page):
            cursor = await connection.execute(statements.page, params, prepare=True)
            rows = await cursor.fetchall()
        if rows:
            return rows, rows[0][1]
        # Past the end (or nothing matches): the count alone.
        cursor = await connection.execute(statements.count, params, prepare=True)
        return rows, (await cursor.fetchone())[0]

    rows, total = await read(request, page_and_total)
    items = ",".join(row[0] for row in rows) if add is None else ",".join(map(add, rows))
    meta = orjson.dumps(_meta(total, page, request)).decode()
    return Response(
        ('{"items":[' + items + "]," + meta[1:]).encode(), media_type="application/json"
    )


def _meta(total: int, page: PageParams, request: Request) -> dict:
    links = {"next": None, "previous": None}
    if page.offset + page.limit < total:
        links["next"] = _at_offset(request, page.offset + page.limit)
    if page.offset > 0:
        links["previous"] = _at_offset(request, max(page.offset - page.limit, 0))
    return {"total": total, "limit": page.limit, "offset": page.offset, **links}


def _at_offset(request: Request, offset: int) -> str:
    """The request's URL with `offset` replaced."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    query.append(("offset", str(offset)))
    return str(request.url.replace(query=urlencode(query)))


CSV_SPOOL_BYTES = 1 << 20  # a CSV bigger than this waits on disk (UPLOAD_DIR/.tmp), not in memory
_UTF8_BOM = b"\xef\xbb\xbf"  # so that Excel reads the accents as UTF-8


async def _csv(request: Request, statements: _Statements, params: dict) -> Response:
    """Every row of the list as CSV, copied out by PostgreSQL into a spool, then streamed."""
    tmp_dir = await run_in_threadpool(scratch_dir, get_settings().upload_dir)
    spool = tempfile.SpooledTemporaryFile(max_size=CSV_SPOOL_BYTES, dir=tmp_dir)

    async def copy_out(connection) -> None:
        spool.seek(0)
        spool.truncate()  # `read` runs this again after a lost connection
        buffer = bytearray(_UTF8_BOM)
        with timed(statements.csv):
            async with connection.cursor() as cursor:
                async with cursor.copy(statements.csv, params) as copy:
                    async for data in copy:
                        buffer += data
                        if len(buffer) >= CSV_SPOOL_BYTES:
                            await run_in_threadpool(spool.write, bytes(buffer))
                            buffer.clear()
        await run_in_threadpool(spool.write, bytes(buffer))

    try:
        await read(request, copy_out)
    except BaseException:
        spool.close()
        raise
    name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    return StreamingResponse(
        _spooled(spool),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{date.today().isoformat()}.csv"'
        },
    )


def _spooled(spool: IO[bytes]) -> Iterator[bytes]:
    """The spool from its start, in 64 KiB pieces (Starlette reads them in its thread pool)."""
    with spool:
        spool.seek(0)
        while piece := spool.read(1 << 16):
            yield piece
