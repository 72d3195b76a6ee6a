"""The one way to serve a list: `{items, total, limit, offset, next, previous}`, read on the event
loop through psycopg's asyncio pool.

A list is a `ListQuery`: its service builds the SQLAlchemy query for the filters a request
sends (values bound by name, `bindparam(name)`), and the query is compiled once per set of
filter names. PostgreSQL writes each row of the page as JSON (`row_to_json`, in the page's
order) and counts the filtered set in the same statement, which psycopg prepares once per
connection (`prepare=True`); Python only joins the rows into the page."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, DateTime, Select, Text, bindparam, cast, func, literal_column
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.sql.elements import Label

from api.db import read
from api.db_monitor import timed

T = TypeVar("T")
MAX_OFFSET = 10_000_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = None
    previous: str | None = None


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="Rows per page (max 200)")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]

_DIALECT = postgresql_psycopg.dialect()
_UTC = literal_column("'UTC'")
_ISO_MICROSECONDS_Z = literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'""")


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


@dataclass(frozen=True, slots=True)
class _Statements:
    page: str
    count: str
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
        page_sql, count_sql = page.compile(dialect=_DIALECT), count.compile(dialect=_DIALECT)
        constants = {
            k: v for k, v in {**count_sql.params, **page_sql.params}.items() if v is not None
        }
        return _Statements(page=str(page_sql), count=str(count_sql), constants=constants)


async def read_page(
    request: Request,
    query: ListQuery,
    values: dict,
    page: PageParams,
    add: Callable[[tuple], str] | None = None,
) -> Response:
    """One page of a list as the JSON of `Page[...]`. `values` are the filters' bound values by
    name (their names pick the statement); `add(row)` returns the row's JSON with fields added in
    Python (row: JSON text, total, then the `extra` columns)."""
    statements = query.statements(frozenset(values))
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
