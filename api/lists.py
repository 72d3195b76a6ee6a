"""The one way to serve a list: `{items, total, limit, offset, next, previous}`, read on the event
loop through psycopg's asyncio pool.

A list is a `ListQuery`: its service builds the SQLAlchemy query for the filters a request
sends (values bound by name, `bindparam(name)`), and the query is compiled once per set of
filter names. PostgreSQL writes each row of the page as JSON (`row_to_json`, in the page's
order) and counts the filtered set in the same statement, which psycopg prepares once per
connection (`prepare=True`); Python only joins the rows into the page.

`?format=csv` answers every row that matches, in the same order, as PostgreSQL's own CSV
(`COPY ... TO STDOUT`): spooled to a temporary file (memory up to 1 MB, then disk) so that the
database connection is free again before a slow client starts downloading."""

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import IO, Annotated, Generic, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import (
    ARRAY,
    JSON,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Select,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.sql.elements import Label

from api.config import get_settings
from api.db import read
from api.db_monitor import timed
from api.spool import scratch_dir

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


def filter_values(**filters) -> dict:
    """A list's filters as the bound values by name: those sent (not None), enums as their
    values. The names present pick the statement (`ListQuery.statements`)."""
    return {name: getattr(v, "value", v) for name, v in filters.items() if v is not None}


def read_columns(table, schema: type[BaseModel]) -> list[ColumnElement]:
    """The table's columns named like the schema's fields, in the schema's order."""
    return [table.c[name] for name in schema.model_fields]


def json_column(column: ColumnElement) -> ColumnElement:
    """A column as the API writes it: a timestamp in UTC with `Z`, and microseconds only when it
    has any (as pydantic writes it for the other endpoints); the rest as PostgreSQL's JSON
    writes it (numbers, strings, booleans, dates, null)."""
    base = column.element if isinstance(column, Label) else column
    if not (isinstance(base.type, DateTime) and base.type.timezone):
        return column
    text = func.to_char(func.timezone(_UTC, base), _ISO_MICROSECONDS_Z)
    return func.replace(text, literal_column("'.000000Z'"), literal_column("'Z'")).label(column.key)


def csv_column(column: ColumnElement) -> ColumnElement:
    """A column as a spreadsheet reads it: timestamps as in the JSON, dates `YYYY-MM-DD`,
    booleans `true`/`false`, lists space-separated, JSON as its text; numbers with a dot (as
    PostgreSQL writes them)."""
    base = column.element if isinstance(column, Label) else column
    kind = base.type
    if isinstance(kind, DateTime):
        return json_column(column)
    if isinstance(kind, Date):
        value = func.to_char(base, literal_column("'YYYY-MM-DD'"))
    elif isinstance(kind, Boolean):
        value = cast(base, Text)
    elif isinstance(kind, ARRAY):
        value = func.array_to_string(base, literal_column("' '"))
    elif isinstance(kind, JSON):
        value = cast(base, Text)
    else:
        return column
    return value.label(column.key)


@dataclass(frozen=True, slots=True)
class _Statements:
    page: str
    count: str
    csv: str
    constants: dict


class ListQuery:
    """One list as SQL. `build(names)` returns the service's ordered query for the filters
    named; `columns` are the item's fields; `extra` names page columns returned beside each
    row's JSON, for what Python adds to it (the photos' signed links)."""

    def __init__(
        self,
        build: Callable[[frozenset[str]], Select],
        columns: Sequence[ColumnElement],
        extra: Sequence[str] = (),
    ):
        self._build = build
        self._columns = [json_column(column) for column in columns]
        self._csv_columns = [csv_column(column) for column in columns]
        self._extra = tuple(extra)
        self._compiled: dict[frozenset[str], _Statements] = {}

    def statements(self, names: frozenset[str]) -> _Statements:
        compiled = self._compiled.get(names)
        if compiled is None:
            compiled = self._compiled[names] = self._compile(names)
        return compiled

    def _compile(self, names: frozenset[str]) -> _Statements:
        query = self._build(names)
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
