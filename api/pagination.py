"""The one shape of every list: items, total, and links to the neighbouring pages."""

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import psycopg2 as postgresql_psycopg2
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Label

from api.deps import PageParams
from api.prepared import Prepared

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = None
    previous: str | None = None


def paginate(
    session: Session, query: Select, page: PageParams, request: Request
) -> tuple[Sequence, dict]:
    """Run one page of `query` (already ordered) and count the whole filtered set."""
    total = session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    rows = session.execute(query.limit(page.limit).offset(page.offset)).scalars().all()
    return rows, _meta(total, page, request)


def _meta(total: int, page: PageParams, request: Request) -> dict:
    links = {"next": None, "previous": None}
    if page.offset + page.limit < total:
        links["next"] = _at_offset(request, page.offset + page.limit)
    if page.offset > 0:
        links["previous"] = _at_offset(request, max(page.offset - page.limit, 0))
    return {"total": total, "limit": page.limit, "offset": page.offset, **links}


def _at_offset(request: Request, offset: int) -> str:
    """The request's URL with `offset` replaced (the query as parsed once for the route)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    query.append(("offset", str(offset)))
    return str(request.url.replace(query=urlencode(query)))


def read_columns(table, schema: type[BaseModel]) -> list[ColumnElement]:
    """The table's columns named like the schema's fields, in the schema's order."""
    return [table.c[name] for name in schema.model_fields]


# ---- the hot lists: one precompiled statement, rows written as JSON by PostgreSQL -------------

_PSYCOPG2 = postgresql_psycopg2.dialect()
_UTC = literal_column("'UTC'")
_ISO_MICROSECONDS_Z = literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'""")


def json_column(column: ColumnElement) -> ColumnElement:
    """A column as the API writes it: a timestamp in UTC with `Z` and microseconds only when it
    has any (as orjson and pydantic write it for the other endpoints); the rest as PostgreSQL's
    JSON writes it (numbers, strings, booleans, dates, null)."""
    base = column.element if isinstance(column, Label) else column
    if not (isinstance(base.type, DateTime) and base.type.timezone):
        return column
    text = func.to_char(func.timezone(_UTC, base), _ISO_MICROSECONDS_Z)
    return func.replace(text, literal_column("'.000000Z'"), literal_column("'Z'")).label(column.key)


class PageQuery:
    """One hot list as SQL, compiled once per combination of filters and sent as it is on the
    driver's cursor (none of SQLAlchemy's per-request statement work). PostgreSQL writes each
    row of the page as JSON (`row_to_json`, in the page's order) and counts the filtered set in
    the same statement; Python only joins the rows into the page.

    `build(shape)` is the service's query for the filters named in `shape`, their values bound
    by those names (`bindparam(name)`); `extra` names page columns returned beside each row's
    JSON, for what Python adds to it (the photos' signed links)."""

    def __init__(
        self,
        build: Callable[[frozenset[str]], Select],
        columns: Sequence[ColumnElement],
        extra: Sequence[str] = (),
    ):
        self._build = build
        self._columns = [json_column(column) for column in columns]
        self._extra = tuple(extra)
        self._compiled: dict[frozenset[str], tuple[Prepared, Prepared, dict]] = {}

    def statements(self, shape: frozenset[str]) -> tuple["Prepared", "Prepared", dict]:
        """(page statement, count statement, constant parameters) for the filters in `shape`."""
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compiled[shape] = self._compile(shape)
        return compiled

    def _compile(self, shape: frozenset[str]) -> tuple["Prepared", "Prepared", dict]:
        query = self._build(shape)
        count = select(func.count()).select_from(query.order_by(None).subquery("filtered"))
        rows = (
            query.with_only_columns(*self._columns)
            .limit(bindparam("page_limit"))
            .offset(bindparam("page_offset"))
            .subquery("page")
        )
        page = select(
            cast(func.row_to_json(rows.table_valued()), Text),
            count.scalar_subquery(),
            *(rows.c[name] for name in self._extra),
        ).select_from(rows)
        page_sql, count_sql = page.compile(dialect=_PSYCOPG2), count.compile(dialect=_PSYCOPG2)
        constants = {
            k: v for k, v in {**count_sql.params, **page_sql.params}.items() if v is not None
        }
        return Prepared.of(page_sql), Prepared.of(count_sql), constants


def read_page(
    connection,
    query: PageQuery,
    values: dict,
    page: PageParams,
    request: Request,
    add: Callable[[tuple], str] | None = None,
) -> Response:
    """One page of a hot list on a DBAPI connection: the same JSON as `Page[...]`. `values` are
    the filters' bound values by name (their names pick the statement); `add(row)` returns the
    row's JSON with fields added in Python (row: JSON text, total, then the `extra` columns)."""
    page_statement, count_statement, constants = query.statements(frozenset(values))
    params = {**constants, **values, "page_limit": page.limit, "page_offset": page.offset}
    with connection.cursor() as cursor:
        page_statement.run(cursor, params)
        rows = cursor.fetchall()
        if rows:
            total = rows[0][1]
        else:  # past the end (or nothing matches): the count alone
            count_statement.run(cursor, params)
            total = cursor.fetchone()[0]
    items = ",".join(row[0] for row in rows) if add is None else ",".join(map(add, rows))
    meta = orjson.dumps(_meta(total, page, request)).decode()
    body = '{"items":[' + items + "]," + meta[1:]
    return Response(body.encode(), media_type="application/json")
