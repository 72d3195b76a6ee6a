"""The one shape of every list: items, total, and links to the neighbouring pages."""

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import orjson
from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, Select, func, select
from sqlalchemy.orm import Session

from api.deps import PageParams

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
        links["next"] = str(request.url.include_query_params(offset=page.offset + page.limit))
    if page.offset > 0:
        links["previous"] = str(
            request.url.include_query_params(offset=max(page.offset - page.limit, 0))
        )
    return {"total": total, "limit": page.limit, "offset": page.offset, **links}


def read_columns(table, schema: type[BaseModel]) -> list[ColumnElement]:
    """The table's columns named like the schema's fields, in the schema's order."""
    return [table.c[name] for name in schema.model_fields]


def read_page(
    conn: Connection,
    query: Select,
    columns: Sequence[ColumnElement],
    page: PageParams,
    request: Request,
    transform: Callable[[dict], dict] | None = None,
) -> Response:
    """The hot lists: the same JSON as `Page[...]`, straight from rows to orjson (no ORM objects,
    no pydantic), and the total counted by a scalar subquery of the same statement (one round
    trip; a second only for a page past the end)."""
    rows_query = query.with_only_columns(*columns)
    count = select(func.count()).select_from(rows_query.order_by(None).subquery())
    statement = rows_query.add_columns(count.scalar_subquery().label("_total"))
    rows = conn.execute(statement.limit(page.limit).offset(page.offset)).all()
    total = rows[0][-1] if rows else conn.execute(count).scalar_one()
    keys = [column.key for column in columns]
    items = [dict(zip(keys, row, strict=False)) for row in rows]  # strict=False: drops _total
    if transform is not None:
        items = [transform(item) for item in items]
    body = orjson.dumps({"items": items, **_meta(total, page, request)}, option=orjson.OPT_UTC_Z)
    return Response(body, media_type="application/json")
